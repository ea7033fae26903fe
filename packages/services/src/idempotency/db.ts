import { and, type DatabaseOrTransaction, eq, lte, schema, sql } from "@proliferate/db";

export type IdempotencyKeyRow = typeof schema.idempotencyKeys.$inferSelect;

interface KeyScope {
	organizationId: string;
	scope: string;
	key: string;
}

/**
 * Inserts the claim, or takes over a row that expired or whose pending holder's lock ran out.
 * Returns the row id when the caller now holds the key, undefined when someone else does. While
 * another transaction holds an uncommitted claim of the same key, this waits for it (unique index).
 */
export async function claimKey(
	db: DatabaseOrTransaction,
	values: KeyScope & { requestHash: string; lockedUntil: Date; expiresAt: Date },
): Promise<string | undefined> {
	const table = schema.idempotencyKeys;
	const [claimed] = await db
		.insert(table)
		.values({ ...values, status: "pending" })
		.onConflictDoUpdate({
			target: [table.organizationId, table.scope, table.key],
			set: {
				requestHash: values.requestHash,
				status: "pending",
				lockedUntil: values.lockedUntil,
				responseStatus: null,
				responseBody: null,
				expiresAt: values.expiresAt,
				createdAt: sql`now()`,
			},
			setWhere: sql`${table.expiresAt} <= now() or (${table.status} = 'pending' and ${table.lockedUntil} <= now())`,
		})
		.returning({ id: table.id });
	return claimed?.id;
}

export async function findKey(
	db: DatabaseOrTransaction,
	params: KeyScope,
): Promise<IdempotencyKeyRow | undefined> {
	const table = schema.idempotencyKeys;
	const [row] = await db
		.select()
		.from(table)
		.where(
			and(
				eq(table.organizationId, params.organizationId),
				eq(table.scope, params.scope),
				eq(table.key, params.key),
			),
		);
	return row;
}

export async function completeKey(
	db: DatabaseOrTransaction,
	params: { organizationId: string; id: string; responseStatus: number; responseBody: unknown },
): Promise<void> {
	const table = schema.idempotencyKeys;
	await db
		.update(table)
		.set({
			status: "completed",
			lockedUntil: null,
			responseStatus: params.responseStatus,
			responseBody: params.responseBody,
		})
		.where(and(eq(table.organizationId, params.organizationId), eq(table.id, params.id)));
}

/** Drops a pending claim whose request failed, so a retry with the same key runs again. */
export async function deletePendingKey(
	db: DatabaseOrTransaction,
	params: { organizationId: string; id: string },
): Promise<void> {
	const table = schema.idempotencyKeys;
	await db
		.delete(table)
		.where(
			and(
				eq(table.organizationId, params.organizationId),
				eq(table.id, params.id),
				eq(table.status, "pending"),
			),
		);
}

/** Deployment-wide: deletes every key that expired before `now`. */
export async function deleteExpiredKeysUnscoped(db: DatabaseOrTransaction, now: Date): Promise<number> {
	const table = schema.idempotencyKeys;
	const deleted = await db.delete(table).where(lte(table.expiresAt, now)).returning({ id: table.id });
	return deleted.length;
}
