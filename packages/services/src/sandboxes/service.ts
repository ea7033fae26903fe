import { NotFoundError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
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
