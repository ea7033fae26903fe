export type { InvitationStatus, MemberRole } from "./db";
export * from "./domains";
export * from "./errors";
export * from "./invitations";
export type { Membership, Organization, User } from "./mapper";
export * from "./members";
export * from "./permissions";
export * from "./sandbox-provider";
export * from "./service";
