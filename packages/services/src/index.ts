export * as artifacts from "./artifacts/index";
export type { OrgScope, ServiceContext } from "./context";
export { createDb, type Database, type DatabaseHandle, runMigrations } from "./db/client";
export * as llm from "./llm/index";
export * as orgs from "./orgs/index";
export * as repoConfig from "./repo-config/index";
export * as repos from "./repos/index";
export * as sandboxes from "./sandboxes/index";
export * as sessions from "./sessions/index";
