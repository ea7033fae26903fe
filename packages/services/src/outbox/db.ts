import {
	and,
	asc,
	count,
	type DatabaseOrTransaction,
	eq,
	inArray,
	lte,
	min,
	schema,
	sql,
} from "@proliferate/db";

export type OutboxRow = typeof schema.outbox.$inferSelect;
export type OutboxStatus = OutboxRow["status"];

export async function insertOutboxRow(
	db: DatabaseOrTransaction,
	values: {
		kind: string;
		payload: unknown;
		organizationId: string | null;
		dedupeKey: string | null;
		availableAt: Date | null;
		maxAttempts: number;
	},
): Promise<{ id: string; created: boolean }> {
	const [inserted] = await db
		.insert(schema.outbox)
		.values({
			kind: values.kind,
			payload: values.payload,
			organizationId: values.organizationId,
			dedupeKey: values.dedupeKey,
			maxAttempts: values.maxAttempts,
			...(values.availableAt ? { availableAt: values.availableAt } : {}),
		})
		.onConflictDoNothing({ target: schema.outbox.dedupeKey })
		.returning({ id: schema.outbox.id });
	if (inserted) return { id: inserted.id, created: true };
	const [existing] = await db
		.select({ id: schema.outbox.id })
		.from(schema.outbox)
		.where(eq(schema.outbox.dedupeKey, values.dedupeKey ?? ""));
	if (!existing) throw new Error("outbox insert conflicted on a dedupe key that no longer exists");
	return { id: existing.id, created: false };
}

/**
 * Claims up to `limit` due pending rows for `claimedBy`: one UPDATE over a `FOR UPDATE SKIP LOCKED`
 * sub-select, so concurrent dispatchers never claim the same row. Each claim gets a fresh token.
 */
export async function claimDueRows(
	db: DatabaseOrTransaction,
	params: { claimedBy: string; limit: number; leaseMs: number },
): Promise<OutboxRow[]> {
	const due = db
		.select({ id: schema.outbox.id })
		.from(schema.outbox)
		.where(and(eq(schema.outbox.status, "pending"), lte(schema.outbox.availableAt, sql`now()`)))
		.orderBy(asc(schema.outbox.availableAt))
		.limit(params.limit)
		.for("update", { skipLocked: true });
	return db
		.update(schema.outbox)
		.set({
			status: "processing",
			attempts: sql`${schema.outbox.attempts} + 1`,
			claimToken: sql`gen_random_uuid()`,
			claimedBy: params.claimedBy,
			claimedUntil: sql`now() + ${params.leaseMs} * interval '1 millisecond'`,
		})
		.where(inArray(schema.outbox.id, due))
		.returning();
}

/** Moves a claimed row back to pending or to failed, only while the claim is still the caller's (`claimToken` matches). */
export async function finishClaim(
	db: DatabaseOrTransaction,
	params: {
		id: string;
		claimToken: string;
		status: "pending" | "failed";
		lastError?: string | null;
		/** Back to pending, due this long from now (database time, like claims). */
		retryInMs?: number;
	},
): Promise<boolean> {
	const updated = await db
		.update(schema.outbox)
		.set({
			status: params.status,
			claimToken: null,
			claimedBy: null,
			claimedUntil: null,
			...(params.lastError !== undefined ? { lastError: params.lastError } : {}),
			...(params.retryInMs !== undefined
				? { availableAt: sql`now() + ${params.retryInMs} * interval '1 millisecond'` }
				: {}),
		})
		.where(
			and(
				eq(schema.outbox.id, params.id),
				eq(schema.outbox.status, "processing"),
				eq(schema.outbox.claimToken, params.claimToken),
			),
		)
		.returning({ id: schema.outbox.id });
	return updated.length === 1;
}

/** Marks many claimed rows dispatched in one statement; a claim token names one claim of one row. */
export async function markManyDispatched(
	db: DatabaseOrTransaction,
	claimTokens: string[],
): Promise<string[]> {
	if (claimTokens.length === 0) return [];
	const updated = await db
		.update(schema.outbox)
		.set({
			status: "dispatched",
			claimToken: null,
			claimedBy: null,
			claimedUntil: null,
			lastError: null,
			dispatchedAt: sql`now()`,
		})
		.where(and(eq(schema.outbox.status, "processing"), inArray(schema.outbox.claimToken, claimTokens)))
		.returning({ id: schema.outbox.id });
	return updated.map((row) => row.id);
}

/** Rows whose claim outlived its lease (the dispatcher died or stalled) become pending again. */
export async function releaseExpiredClaims(db: DatabaseOrTransaction): Promise<number> {
	const released = await db
		.update(schema.outbox)
		.set({
			status: "pending",
			claimToken: null,
			claimedBy: null,
			claimedUntil: null,
			lastError: sql`coalesce(${schema.outbox.lastError}, 'claim lease expired')`,
		})
		.where(and(eq(schema.outbox.status, "processing"), lte(schema.outbox.claimedUntil, sql`now()`)))
		.returning({ id: schema.outbox.id });
	return released.length;
}

export async function countByStatus(db: DatabaseOrTransaction): Promise<Record<OutboxStatus, number>> {
	const rows = await db
		.select({ status: schema.outbox.status, count: count() })
		.from(schema.outbox)
		.groupBy(schema.outbox.status);
	const counts: Record<OutboxStatus, number> = { pending: 0, processing: 0, dispatched: 0, failed: 0 };
	for (const row of rows) counts[row.status] = row.count;
	return counts;
}

export async function oldestPendingCreatedAt(db: DatabaseOrTransaction): Promise<Date | null> {
	const [row] = await db
		.select({ oldest: min(schema.outbox.createdAt) })
		.from(schema.outbox)
		.where(eq(schema.outbox.status, "pending"));
	return row?.oldest ?? null;
}

export async function listRowsByStatus(
	db: DatabaseOrTransaction,
	params: { status: OutboxStatus; limit: number },
): Promise<OutboxRow[]> {
	return db
		.select()
		.from(schema.outbox)
		.where(eq(schema.outbox.status, params.status))
		.orderBy(asc(schema.outbox.createdAt))
		.limit(params.limit);
}

export async function getRow(db: DatabaseOrTransaction, id: string): Promise<OutboxRow | undefined> {
	const [row] = await db.select().from(schema.outbox).where(eq(schema.outbox.id, id));
	return row;
}

/** A failed row back to pending with a fresh attempt budget (the operations view's retry). */
export async function requeueFailedRow(db: DatabaseOrTransaction, id: string): Promise<boolean> {
	const updated = await db
		.update(schema.outbox)
		.set({ status: "pending", attempts: 0, availableAt: sql`now()` })
		.where(and(eq(schema.outbox.id, id), eq(schema.outbox.status, "failed")))
		.returning({ id: schema.outbox.id });
	return updated.length === 1;
}

/** Dispatched rows older than `before` (kept a while for inspection, then deleted). */
export async function deleteDispatchedBefore(db: DatabaseOrTransaction, before: Date): Promise<number> {
	const deleted = await db
		.delete(schema.outbox)
		.where(and(eq(schema.outbox.status, "dispatched"), lte(schema.outbox.dispatchedAt, before)))
		.returning({ id: schema.outbox.id });
	return deleted.length;
}
