import type { DatabaseOrTransaction } from "./db/client";

/** What every service function needs; transports build it once at boot. */
export interface ServiceContext {
	db: DatabaseOrTransaction;
}

/** Identifies the organization (and optionally the user) a call acts for. */
export interface OrgScope {
	organizationId: string;
}
