export type { OutboxMail } from "./mapper";
export * from "./service";
export * from "./templates";
export * from "./transport";
