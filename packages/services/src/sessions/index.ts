export * from "./errors";
export type { Session } from "./mapper";
export * from "./service";
export * from "./state";
