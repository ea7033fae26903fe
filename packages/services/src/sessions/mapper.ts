import type { MessageSource } from "@proliferate/shared";
import type { SessionRow } from "./db";
import type { SessionStatus } from "./state";

export interface Session {
	id: string;
	organizationId: string;
	repoId: string | null;
	createdBy: string | null;
	title: string;
	kind: "setup" | "coding" | "automation";
	status: SessionStatus;
	statusReason: string | null;
	branch: string | null;
	modelId: string | null;
	initialPrompt: string | null;
	sandboxProvider: "local" | "e2b" | "modal";
	sandboxId: string | null;
	snapshotId: string | null;
	agentSessionId: string | null;
	clientSource: MessageSource;
	lastActivityAt: string;
	pausedAt: string | null;
	endedAt: string | null;
	createdAt: string;
	updatedAt: string;
}

export function toSession(row: SessionRow): Session {
	return {
		id: row.id,
		organizationId: row.organizationId,
		repoId: row.repoId,
		createdBy: row.createdBy,
		title: row.title,
		kind: row.kind,
		status: row.status,
		statusReason: row.statusReason,
		branch: row.branch,
		modelId: row.modelId,
		initialPrompt: row.initialPrompt,
		sandboxProvider: row.sandboxProvider,
		sandboxId: row.sandboxId,
		snapshotId: row.snapshotId,
		agentSessionId: row.agentSessionId,
		clientSource: row.clientSource,
		lastActivityAt: row.lastActivityAt.toISOString(),
		pausedAt: row.pausedAt?.toISOString() ?? null,
		endedAt: row.endedAt?.toISOString() ?? null,
		createdAt: row.createdAt.toISOString(),
		updatedAt: row.updatedAt.toISOString(),
	};
}
