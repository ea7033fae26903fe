export * from "./errors";
export type { Session } from "./mapper";
export * from "./models";
export * from "./service";
export * from "./start";
export * from "./state";
export * from "./watch";
