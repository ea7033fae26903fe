export type { OrgScope, ServiceContext } from "./context";
export * as orgs from "./orgs/index";
export * as repos from "./repos/index";
export * as sessions from "./sessions/index";
