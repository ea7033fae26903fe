import { and, type DatabaseOrTransaction, eq, inArray, lt, or, schema, sql } from "@proliferate/db";

export type WarmSandboxRow = typeof schema.warmSandboxes.$inferSelect;
type Provider = WarmSandboxRow["provider"];

/**
 * Reserve up to `size` slots in a pool: under a per-pool advisory lock, count the live rows
 * (warming + ready) and insert `warming` rows for the missing ones. Returns the reserved rows.
 */
export async function reserveWarmSlots(
	db: DatabaseOrTransaction,
	params: { poolKey: string; provider: Provider; organizationId: string | null; size: number },
): Promise<WarmSandboxRow[]> {
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`warm-pool:${params.poolKey}`}))`);
		const [counted] = await tx
			.select({ count: sql<number>`count(*)::int` })
			.from(schema.warmSandboxes)
			.where(
				and(
					eq(schema.warmSandboxes.poolKey, params.poolKey),
					inArray(schema.warmSandboxes.state, ["warming", "ready"]),
				),
			);
		const missing = params.size - (counted?.count ?? 0);
		if (missing <= 0) return [];
		return tx
			.insert(schema.warmSandboxes)
			.values(
				Array.from({ length: missing }, () => ({
					poolKey: params.poolKey,
					provider: params.provider,
					organizationId: params.organizationId,
					state: "warming" as const,
				})),
			)
			.returning();
	});
}

export async function markWarmSandboxReady(
	db: DatabaseOrTransaction,
	params: { id: string; providerSandboxId: string; handle: Record<string, unknown>; expiresAt: Date | null },
): Promise<void> {
	await db
		.update(schema.warmSandboxes)
		.set({
			state: "ready",
			providerSandboxId: params.providerSandboxId,
			handle: params.handle,
			expiresAt: params.expiresAt,
		})
		.where(eq(schema.warmSandboxes.id, params.id));
}

export async function deleteWarmSandbox(db: DatabaseOrTransaction, id: string): Promise<void> {
	await db.delete(schema.warmSandboxes).where(eq(schema.warmSandboxes.id, id));
}

/**
 * Claim the oldest ready sandbox of a pool with enough lifetime left, atomically: concurrent
 * claimers skip rows another transaction holds, so no sandbox is handed out twice.
 */
export async function claimWarmSandbox(
	db: DatabaseOrTransaction,
	params: { poolKey: string; organizationId: string; sessionId: string; notExpiringBefore: Date },
): Promise<WarmSandboxRow | undefined> {
	const rows = await db.execute<{ id: string }>(sql`
		update ${schema.warmSandboxes}
		set state = 'claimed', claimed_by_session_id = ${params.sessionId}, claimed_at = now(), updated_at = now()
		where id = (
			select id from ${schema.warmSandboxes}
			where pool_key = ${params.poolKey}
				and state = 'ready'
				and (organization_id is null or organization_id = ${params.organizationId})
				and (expires_at is null or expires_at > ${params.notExpiringBefore.toISOString()}::timestamptz)
			order by created_at
			limit 1
			for update skip locked
		)
		returning id`);
	const id = rows[0]?.id;
	if (!id) return undefined;
	const [row] = await db.select().from(schema.warmSandboxes).where(eq(schema.warmSandboxes.id, id));
	return row;
}

/** Ready rows expiring before `before`, and warming rows stuck since `stuckBefore` (a crashed refill). */
export async function findRetirableWarmSandboxes(
	db: DatabaseOrTransaction,
	params: { poolKey: string; before: Date; stuckBefore: Date },
): Promise<WarmSandboxRow[]> {
	return db
		.select()
		.from(schema.warmSandboxes)
		.where(
			and(
				eq(schema.warmSandboxes.poolKey, params.poolKey),
				or(
					and(eq(schema.warmSandboxes.state, "ready"), lt(schema.warmSandboxes.expiresAt, params.before)),
					and(
						eq(schema.warmSandboxes.state, "warming"),
						lt(schema.warmSandboxes.createdAt, params.stuckBefore),
					),
				),
			),
		);
}

/** Claimed rows are kept for a day for inspection, then removed. */
export async function deleteOldClaims(db: DatabaseOrTransaction, params: { before: Date }): Promise<void> {
	await db
		.delete(schema.warmSandboxes)
		.where(and(eq(schema.warmSandboxes.state, "claimed"), lt(schema.warmSandboxes.claimedAt, params.before)));
}

export async function listWarmSandboxes(
	db: DatabaseOrTransaction,
	params: { poolKey: string; states?: WarmSandboxRow["state"][] },
): Promise<WarmSandboxRow[]> {
	return db
		.select()
		.from(schema.warmSandboxes)
		.where(
			and(
				eq(schema.warmSandboxes.poolKey, params.poolKey),
				params.states ? inArray(schema.warmSandboxes.state, params.states) : undefined,
			),
		);
}

/** The provider ids of a provider's warm-pool sandboxes, in every pool and state. */
export async function listWarmProviderIdsUnscoped(
	db: DatabaseOrTransaction,
	params: { provider: Provider },
): Promise<string[]> {
	const rows = await db
		.select({ providerSandboxId: schema.warmSandboxes.providerSandboxId })
		.from(schema.warmSandboxes)
		.where(eq(schema.warmSandboxes.provider, params.provider));
	return rows.flatMap((row) => (row.providerSandboxId ? [row.providerSandboxId] : []));
}
