import { NotFoundError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import type { SessionStatus } from "../sessions/state";
import * as sandboxesDb from "./db";
import { type SandboxRecord, type SandboxState, toSandboxRecord } from "./mapper";

/** Records a provider sandbox serving a session. */
export async function recordSandbox(
	context: ServiceContext,
	params: OrgScope & {
		sessionId: string;
		provider: SandboxRecord["provider"];
		providerSandboxId: string;
		state: SandboxState;
		expiresAt: Date | null;
		endpoints: Record<string, string>;
	},
): Promise<SandboxRecord> {
	const row = await sandboxesDb.insertSandbox(context.db, {
		organizationId: params.organizationId,
		sessionId: params.sessionId,
		provider: params.provider,
		providerSandboxId: params.providerSandboxId,
		state: params.state,
		expiresAt: params.expiresAt,
		endpoints: params.endpoints,
	});
	return toSandboxRecord(row);
}

export async function getSandbox(
	context: ServiceContext,
	params: OrgScope & { sandboxId: string },
): Promise<SandboxRecord> {
	const row = isUuid(params.sandboxId) ? await sandboxesDb.findSandbox(context.db, params) : undefined;
	if (!row) throw new NotFoundError("Sandbox", params.sandboxId);
	return toSandboxRecord(row);
}

export async function updateSandboxState(
	context: ServiceContext,
	params: OrgScope & {
		sandboxId: string;
		state: SandboxState;
		reason?: string | null;
		endpoints?: Record<string, string>;
	},
): Promise<void> {
	await sandboxesDb.updateSandbox(context.db, params, {
		state: params.state,
		stateReason: params.reason ?? null,
		...(params.endpoints ? { endpoints: params.endpoints } : {}),
		...(params.state === "terminated" ? { terminatedAt: new Date() } : {}),
	});
}

/** A record the sweeper looks at: the sandbox and its session's status (null: the session is gone). */
export interface SweepCandidate {
	record: SandboxRecord;
	/** `sandboxId`: the record serving the session now (null while it has none). */
	session: { id: string; organizationId: string; status: SessionStatus; sandboxId: string | null } | null;
}

/** Every sandbox record not terminated, across organizations (the worker's sweeper). */
export async function listSweepCandidatesUnscoped(context: ServiceContext): Promise<SweepCandidate[]> {
	const rows = await sandboxesDb.listUnterminatedWithSessionUnscoped(context.db);
	return rows.map((row) => ({
		record: toSandboxRecord(row.sandbox),
		session:
			row.sandbox.sessionId && row.sessionStatus && row.sessionOrganizationId
				? {
						id: row.sandbox.sessionId,
						organizationId: row.sessionOrganizationId,
						status: row.sessionStatus,
						sandboxId: row.sessionSandboxId,
					}
				: null,
	}));
}

/** Which of the provider's sandbox ids some record names (terminated ones included). */
export async function knownProviderSandboxIdsUnscoped(
	context: ServiceContext,
	params: { provider: SandboxRecord["provider"]; providerSandboxIds: string[] },
): Promise<Set<string>> {
	return new Set(await sandboxesDb.findKnownProviderIdsUnscoped(context.db, params));
}

/**
 * Marks a record terminated (or failed) with the reason, unless it is terminated already. True
 * when this call changed it, so two sweepers at once count the record once.
 */
export async function retireSandboxUnscoped(
	context: ServiceContext,
	params: { sandboxId: string; state: "terminated" | "failed"; reason: string },
): Promise<boolean> {
	const row = await sandboxesDb.retireSandboxUnscoped(
		context.db,
		{ sandboxId: params.sandboxId },
		{
			state: params.state,
			stateReason: params.reason,
			...(params.state === "terminated" ? { terminatedAt: new Date() } : {}),
		},
	);
	return row !== undefined;
}
