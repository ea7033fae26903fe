import { type JobName, type JobPayload, jobCatalog } from "@proliferate/queue/catalog";
import type { ServiceContext } from "../context";
import * as outboxDb from "./db";
import { InvalidOutboxPayloadError, OutboxRowNotFoundError, UnknownOutboxKindError } from "./errors";
import { type OutboxEntry, toOutboxEntry } from "./mapper";

export type { OutboxRow } from "./db";

export interface EnqueueInput<Name extends JobName> {
	kind: Name;
	payload: JobPayload<Name>;
	organizationId?: string | null;
	/** The same key twice keeps the first row: producers that may run twice stay exactly-once. */
	dedupeKey?: string;
	/** Not before this time (a delayed job). */
	availableAt?: Date;
	maxAttempts?: number;
}

export function isJobName(kind: string): kind is JobName {
	return Object.hasOwn(jobCatalog, kind);
}

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
	return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
}

/** Checks a stored or new payload against the catalog; throws the outbox's typed errors. */
export function parseOutboxPayload<Name extends JobName>(kind: string, payload: unknown): JobPayload<Name> {
	if (!isJobName(kind)) throw new UnknownOutboxKindError(kind);
	const result = jobCatalog[kind].payload.safeParse(payload);
	if (!result.success) throw new InvalidOutboxPayloadError(kind, issuesOf(result.error));
	return result.data as JobPayload<Name>;
}

/**
 * Records work to do after the caller's state change. Pass the caller's transaction (`{ db: tx }`)
 * so the row commits (or rolls back) with the change; business code never pushes to BullMQ directly.
 */
export async function enqueue<Name extends JobName>(
	ctx: ServiceContext,
	input: EnqueueInput<Name>,
): Promise<{ id: string; created: boolean }> {
	const payload = parseOutboxPayload(input.kind, input.payload);
	return outboxDb.insertOutboxRow(ctx.db, {
		kind: input.kind,
		payload,
		organizationId: input.organizationId ?? null,
		dedupeKey: input.dedupeKey ?? null,
		availableAt: input.availableAt ?? null,
		maxAttempts: input.maxAttempts ?? 10,
	});
}

export interface ClaimedOutboxRow {
	id: string;
	kind: string;
	payload: unknown;
	organizationId: string | null;
	attempts: number;
	maxAttempts: number;
	claimToken: string;
}

/** Claims due rows for one dispatcher; the claim holds for `leaseMs`. */
export async function claim(
	ctx: ServiceContext,
	params: { claimedBy: string; limit: number; leaseMs: number },
): Promise<ClaimedOutboxRow[]> {
	const rows = await outboxDb.claimDueRows(ctx.db, params);
	return rows.map((row) => ({
		id: row.id,
		kind: row.kind,
		payload: row.payload,
		organizationId: row.organizationId,
		attempts: row.attempts,
		maxAttempts: row.maxAttempts,
		claimToken: row.claimToken ?? "",
	}));
}

/** Marks a claimed row handed over. False: the claim was lost (lease expired, row reclaimed). */
export async function markDispatched(ctx: ServiceContext, row: ClaimedOutboxRow): Promise<boolean> {
	return (await markManyDispatched(ctx, [row])).has(row.id);
}

/** Marks claimed rows handed over in one statement; returns the ids still claimed (the others were lost). */
export async function markManyDispatched(
	ctx: ServiceContext,
	rows: ClaimedOutboxRow[],
): Promise<Set<string>> {
	return new Set(
		await outboxDb.markManyDispatched(
			ctx.db,
			rows.map((row) => row.claimToken),
		),
	);
}

/** Fails a row for good (malformed payload, unknown kind): retrying cannot fix it. */
export function markFailed(ctx: ServiceContext, row: ClaimedOutboxRow, error: string): Promise<boolean> {
	return outboxDb.finishClaim(ctx.db, {
		id: row.id,
		claimToken: row.claimToken,
		status: "failed",
		lastError: error.slice(0, 2000),
	});
}

export interface BackoffPolicy {
	baseMs: number;
	capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };

/** Capped exponential backoff with ±20 % jitter, so rows failed together do not retry together. */
export function retryDelayMs(
	attempts: number,
	policy: BackoffPolicy = defaultBackoff,
	random = Math.random,
): number {
	const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
	return Math.round(exponential * (0.8 + 0.4 * random()));
}

/**
 * After a failed hand-over: back to pending with a delay, or failed once the row has used its
 * attempts. Returns what happened (`lost` when the claim was no longer the caller's).
 */
export async function markRetry(
	ctx: ServiceContext,
	row: ClaimedOutboxRow,
	error: string,
	policy: BackoffPolicy = defaultBackoff,
): Promise<"retrying" | "failed" | "lost"> {
	const exhausted = row.attempts >= row.maxAttempts;
	const finished = await outboxDb.finishClaim(ctx.db, {
		id: row.id,
		claimToken: row.claimToken,
		status: exhausted ? "failed" : "pending",
		lastError: error.slice(0, 2000),
		...(exhausted ? {} : { retryInMs: retryDelayMs(row.attempts, policy) }),
	});
	if (!finished) return "lost";
	return exhausted ? "failed" : "retrying";
}

/** Puts rows stuck in `processing` past their lease back to `pending`. */
export function recoverExpiredClaims(ctx: ServiceContext): Promise<number> {
	return outboxDb.releaseExpiredClaims(ctx.db);
}

export interface OutboxStats {
	pending: number;
	processing: number;
	dispatched: number;
	failed: number;
	/** Age of the oldest pending row, 0 when none. */
	oldestPendingAgeSeconds: number;
}

export async function stats(ctx: ServiceContext): Promise<OutboxStats> {
	const [counts, oldest] = await Promise.all([
		outboxDb.countByStatus(ctx.db),
		outboxDb.oldestPendingCreatedAt(ctx.db),
	]);
	return {
		...counts,
		oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : 0,
	};
}

export async function listFailed(ctx: ServiceContext, limit = 50): Promise<OutboxEntry[]> {
	const rows = await outboxDb.listRowsByStatus(ctx.db, {
		status: "failed",
		limit: Math.min(Math.max(limit, 1), 500),
	});
	return rows.map(toOutboxEntry);
}

export async function get(ctx: ServiceContext, id: string): Promise<OutboxEntry | null> {
	const row = await outboxDb.getRow(ctx.db, id);
	return row ? toOutboxEntry(row) : null;
}

/** The operations view's retry: a failed row gets a fresh attempt budget. */
export async function retryFailed(ctx: ServiceContext, id: string): Promise<void> {
	if (!(await outboxDb.requeueFailedRow(ctx.db, id))) throw new OutboxRowNotFoundError(id);
}

/** Deletes dispatched rows older than `olderThanMs` (default 7 days). */
export function pruneDispatched(ctx: ServiceContext, olderThanMs = 7 * 24 * 3600_000): Promise<number> {
	return outboxDb.deleteDispatchedBefore(ctx.db, new Date(Date.now() - olderThanMs));
}
