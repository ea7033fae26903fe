import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { isUuid } from "../ids";
import * as outbox from "../outbox/service";
import { getRepo } from "../repos/service";
import * as sessionsDb from "./db";
import { InvalidSessionTransitionError, SessionNotFoundError } from "./errors";
import { type Session, toSession } from "./mapper";
import { canTransition, type SessionStatus } from "./state";

export interface CreateSessionParams extends OrgScope {
	repoId?: string | null;
	createdBy?: string | null;
	title?: string;
	kind?: Session["kind"];
	branch?: string | null;
	modelId?: string | null;
	initialPrompt?: string | null;
	sandboxProvider?: Session["sandboxProvider"];
	clientSource?: Session["clientSource"];
	idleTimeoutSeconds?: number | null;
}

function titleFromPrompt(prompt: string | null | undefined): string | undefined {
	const firstLine = prompt?.trim().split("\n")[0]?.trim();
	if (!firstLine) return undefined;
	return firstLine.length > 80 ? `${firstLine.slice(0, 77)}…` : firstLine;
}

export async function createSession(context: ServiceContext, params: CreateSessionParams): Promise<Session> {
	let branch = params.branch ?? null;
	if (params.repoId) {
		const repo = await getRepo(context, { organizationId: params.organizationId, repoId: params.repoId });
		branch ??= repo.defaultBranch;
	}
	const row = await sessionsDb.insertSession(context.db, {
		organizationId: params.organizationId,
		repoId: params.repoId ?? null,
		createdBy: params.createdBy ?? null,
		title: params.title?.trim() || titleFromPrompt(params.initialPrompt) || "Untitled session",
		kind: params.kind ?? "coding",
		branch,
		modelId: params.modelId ?? null,
		initialPrompt: params.initialPrompt ?? null,
		sandboxProvider: params.sandboxProvider ?? "local",
		clientSource: params.clientSource ?? "web",
		idleTimeoutSeconds: params.idleTimeoutSeconds ?? null,
	});
	return toSession(row);
}

export async function getSession(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
): Promise<Session> {
	const row = isUuid(params.sessionId) ? await sessionsDb.findSession(context.db, params) : undefined;
	if (!row) throw new SessionNotFoundError(params.sessionId);
	return toSession(row);
}

export async function listSessions(
	context: ServiceContext,
	params: OrgScope & { statuses?: SessionStatus[]; repoId?: string; createdBy?: string; limit?: number },
): Promise<Session[]> {
	if (params.repoId && !isUuid(params.repoId)) return [];
	const rows = await sessionsDb.listSessions(context.db, {
		...params,
		limit: Math.min(params.limit ?? 100, 500),
	});
	return rows.map(toSession);
}

export async function renameSession(
	context: ServiceContext,
	params: OrgScope & { sessionId: string; title: string },
): Promise<Session> {
	const title = params.title.trim();
	const row = isUuid(params.sessionId)
		? await sessionsDb.updateSession(context.db, params, { title: title || "Untitled session" })
		: undefined;
	if (!row) throw new SessionNotFoundError(params.sessionId);
	return toSession(row);
}

/**
 * Moves a session to `status`, enforcing the state machine atomically (the update only applies
 * if the status did not change underneath; a concurrent change is reported as a conflict).
 */
export async function transitionSession(
	context: ServiceContext,
	params: OrgScope & {
		sessionId: string;
		to: SessionStatus;
		/** Only from this status (a caller that decided on what it saw); a conflict otherwise. */
		from?: SessionStatus;
		reason?: string | null;
		fields?: Partial<Pick<Session, "sandboxId" | "snapshotId" | "agentSessionId" | "sandboxProvider">>;
	},
): Promise<Session> {
	return withTransaction(context.db, async (tx) => {
		const current = await getSession({ db: tx }, params);
		if ((params.from && current.status !== params.from) || !canTransition(current.status, params.to)) {
			throw new InvalidSessionTransitionError(params.sessionId, current.status, params.to);
		}
		const now = new Date();
		const row = await sessionsDb.updateSession(
			tx,
			{ ...params, expectedStatus: current.status },
			{
				status: params.to,
				statusReason: params.reason ?? null,
				lastActivityAt: now,
				...(params.to === "paused" ? { pausedAt: now } : {}),
				...(params.to === "stopped" || params.to === "failed" ? { endedAt: now } : {}),
				...(params.to === "starting" ? { endedAt: null } : {}),
				...params.fields,
			},
		);
		if (!row) throw new InvalidSessionTransitionError(params.sessionId, current.status, params.to);
		return toSession(row);
	});
}

export async function touchSession(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
): Promise<void> {
	if (!isUuid(params.sessionId)) return;
	await sessionsDb.updateSession(context.db, params, { lastActivityAt: new Date() });
}

export async function deleteSession(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
): Promise<void> {
	if (!isUuid(params.sessionId)) throw new SessionNotFoundError(params.sessionId);
	// The row and the removal of its objects commit together: no object outlives its session.
	await withTransaction(context.db, async (tx) => {
		if (!(await sessionsDb.deleteSession(tx, params))) throw new SessionNotFoundError(params.sessionId);
		await outbox.enqueue(
			{ db: tx },
			{
				kind: "session-objects-delete",
				organizationId: params.organizationId,
				payload: { organizationId: params.organizationId, sessionId: params.sessionId },
				dedupeKey: `session-objects-delete:${params.sessionId}`,
			},
		);
	});
}

export interface SessionOutcome {
	outcome: "succeeded" | "failed" | "needs_human";
	summaryMarkdown: string;
	citations: string[];
	runId: string | null;
	reportedAt: string;
}

/** Records an automation session's reported outcome (kept in the session's metadata). */
export async function recordOutcome(
	context: ServiceContext,
	params: OrgScope & { sessionId: string; outcome: Omit<SessionOutcome, "reportedAt"> },
): Promise<SessionOutcome> {
	const outcome: SessionOutcome = { ...params.outcome, reportedAt: new Date().toISOString() };
	return withTransaction(context.db, async (tx) => {
		const row = isUuid(params.sessionId) ? await sessionsDb.findSession(tx, params) : undefined;
		if (!row) throw new SessionNotFoundError(params.sessionId);
		await sessionsDb.updateSession(tx, params, { metadata: { ...row.metadata, outcome } });
		return outcome;
	});
}

export async function getOutcome(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
): Promise<SessionOutcome | null> {
	const row = isUuid(params.sessionId) ? await sessionsDb.findSession(context.db, params) : undefined;
	if (!row) throw new SessionNotFoundError(params.sessionId);
	return (row.metadata.outcome as SessionOutcome | undefined) ?? null;
}

/** Which of `snapshotIds` some session row still references, across organizations (snapshot retention). */
export async function referencedSnapshotIdsUnscoped(
	context: ServiceContext,
	snapshotIds: string[],
): Promise<Set<string>> {
	return new Set(await sessionsDb.findReferencedSnapshotIdsUnscoped(context.db, snapshotIds));
}
