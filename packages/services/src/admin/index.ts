export * from "./errors";
export type { ActiveImpersonation, AdminOrganization, AdminUser } from "./mapper";
export * from "./service";
