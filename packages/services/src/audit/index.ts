export type { AuditEvent } from "./mapper";
export * from "./service";
