import type { SandboxRow } from "./db";

export type SandboxState = "creating" | "running" | "paused" | "terminated" | "failed";

export interface SandboxRecord {
	id: string;
	organizationId: string | null;
	sessionId: string | null;
	provider: "local" | "e2b" | "modal";
	providerSandboxId: string;
	state: SandboxState;
	stateReason: string | null;
	expiresAt: string | null;
	endpoints: Record<string, string>;
	createdAt: string;
}

export function toSandboxRecord(row: SandboxRow): SandboxRecord {
	return {
		id: row.id,
		organizationId: row.organizationId,
		sessionId: row.sessionId,
		provider: row.provider,
		providerSandboxId: row.providerSandboxId,
		state: row.state,
		stateReason: row.stateReason,
		expiresAt: row.expiresAt?.toISOString() ?? null,
		endpoints: row.endpoints,
		createdAt: row.createdAt.toISOString(),
	};
}
