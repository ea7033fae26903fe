export * as admin from "./admin/index";
export * as apiKeys from "./api-keys/index";
export * as artifacts from "./artifacts/index";
export * as audit from "./audit/index";
export type { OrgScope, ServiceContext } from "./context";
export {
	createDb,
	type Database,
	type DatabaseHandle,
	type DatabaseOrTransaction,
	pingDatabase,
	runMigrations,
	withTransaction,
} from "./db/client";
export * as idempotency from "./idempotency/index";
export * as integrations from "./integrations/index";
export * as llm from "./llm/index";
export * as mail from "./mail/index";
export * as onboarding from "./onboarding/index";
export * as orgs from "./orgs/index";
export * as outbox from "./outbox/index";
export * as repoConfig from "./repo-config/index";
export * as repos from "./repos/index";
export * as sandboxes from "./sandboxes/index";
export * as secrets from "./secrets/index";
export * as sessions from "./sessions/index";
export * as warmPool from "./warm-pool/index";
