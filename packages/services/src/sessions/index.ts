export * from "./errors";
export * from "./lifecycle";
export type { Session } from "./mapper";
export * from "./models";
export * from "./service";
export * from "./state";
