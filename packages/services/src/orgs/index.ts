export * from "./errors";
export type { Membership, Organization, User } from "./mapper";
export * from "./service";
