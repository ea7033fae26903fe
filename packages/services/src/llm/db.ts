import {
	and,
	asc,
	type DatabaseOrTransaction,
	eq,
	gt,
	gte,
	inArray,
	isNull,
	type SQL,
	schema,
	sql,
} from "@proliferate/db";

export type VirtualKeyRow = typeof schema.llmVirtualKeys.$inferSelect;
export type SpendRow = typeof schema.llmSpend.$inferSelect;

export async function insertVirtualKey(
	db: DatabaseOrTransaction,
	values: typeof schema.llmVirtualKeys.$inferInsert,
): Promise<VirtualKeyRow> {
	const [row] = await db.insert(schema.llmVirtualKeys).values(values).returning();
	if (!row) throw new Error("insert into llm_virtual_keys returned no row");
	return row;
}

/** Unscoped on purpose: the proxy knows only the key itself when a request arrives. */
export async function findVirtualKeyByHashUnscoped(
	db: DatabaseOrTransaction,
	keyHash: string,
): Promise<VirtualKeyRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.llmVirtualKeys)
		.where(eq(schema.llmVirtualKeys.keyHash, keyHash));
	return row;
}

/** Revokes the organization's live keys matching `keyId` or `sessionId`; returns the rows revoked. */
export async function revokeVirtualKeys(
	db: DatabaseOrTransaction,
	params: { organizationId: string; keyId?: string; sessionId?: string },
): Promise<VirtualKeyRow[]> {
	const conditions: SQL[] = [
		eq(schema.llmVirtualKeys.organizationId, params.organizationId),
		isNull(schema.llmVirtualKeys.revokedAt),
	];
	if (params.keyId) conditions.push(eq(schema.llmVirtualKeys.id, params.keyId));
	if (params.sessionId) conditions.push(eq(schema.llmVirtualKeys.sessionId, params.sessionId));
	return db
		.update(schema.llmVirtualKeys)
		.set({ revokedAt: new Date() })
		.where(and(...conditions))
		.returning();
}

export async function findVirtualKey(
	db: DatabaseOrTransaction,
	params: { organizationId: string; keyId: string },
): Promise<VirtualKeyRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.llmVirtualKeys)
		.where(
			and(
				eq(schema.llmVirtualKeys.organizationId, params.organizationId),
				eq(schema.llmVirtualKeys.id, params.keyId),
			),
		);
	return row;
}

export async function insertSpendRows(
	db: DatabaseOrTransaction,
	rows: (typeof schema.llmSpend.$inferInsert)[],
): Promise<void> {
	if (rows.length === 0) return;
	await db.insert(schema.llmSpend).values(rows);
}

/** Unscoped on purpose when `organizationId` is absent: billing reads every organization's spend. */
export async function listSpendAfterCursor(
	db: DatabaseOrTransaction,
	params: { cursor: number; limit: number; organizationId?: string; sessionId?: string },
): Promise<SpendRow[]> {
	const conditions: SQL[] = [gt(schema.llmSpend.id, params.cursor)];
	if (params.organizationId) conditions.push(eq(schema.llmSpend.organizationId, params.organizationId));
	if (params.sessionId) conditions.push(eq(schema.llmSpend.sessionId, params.sessionId));
	return db
		.select()
		.from(schema.llmSpend)
		.where(and(...conditions))
		.orderBy(asc(schema.llmSpend.id))
		.limit(params.limit);
}

/** Lifetime spend of each key (keys without spend are absent). */
export async function sumSpendByKey(
	db: DatabaseOrTransaction,
	keyIds: string[],
): Promise<Map<string, number>> {
	if (keyIds.length === 0) return new Map();
	const rows = await db
		.select({
			keyId: schema.llmSpend.keyId,
			total: sql<string>`coalesce(sum(${schema.llmSpend.costNanoUsd}), 0)`,
		})
		.from(schema.llmSpend)
		.where(inArray(schema.llmSpend.keyId, keyIds))
		.groupBy(schema.llmSpend.keyId);
	return new Map(rows.flatMap((row) => (row.keyId ? [[row.keyId, Number(row.total)] as const] : [])));
}

/** Spend of each organization since `since` (organizations without spend are absent). */
export async function sumSpendByOrganizationSince(
	db: DatabaseOrTransaction,
	params: { organizationIds: string[]; since: Date },
): Promise<Map<string, number>> {
	if (params.organizationIds.length === 0) return new Map();
	const rows = await db
		.select({
			organizationId: schema.llmSpend.organizationId,
			total: sql<string>`coalesce(sum(${schema.llmSpend.costNanoUsd}), 0)`,
		})
		.from(schema.llmSpend)
		.where(
			and(
				inArray(schema.llmSpend.organizationId, params.organizationIds),
				gte(schema.llmSpend.lastRequestAt, params.since),
			),
		)
		.groupBy(schema.llmSpend.organizationId);
	return new Map(rows.map((row) => [row.organizationId, Number(row.total)] as const));
}

export async function upsertOrganizationBudget(
	db: DatabaseOrTransaction,
	params: { organizationId: string; monthlyBudgetNanoUsd: number },
): Promise<void> {
	await db
		.insert(schema.llmOrganizationBudgets)
		.values(params)
		.onConflictDoUpdate({
			target: schema.llmOrganizationBudgets.organizationId,
			set: { monthlyBudgetNanoUsd: params.monthlyBudgetNanoUsd, updatedAt: new Date() },
		});
}

export async function deleteOrganizationBudget(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<void> {
	await db
		.delete(schema.llmOrganizationBudgets)
		.where(eq(schema.llmOrganizationBudgets.organizationId, params.organizationId));
}

export async function findOrganizationBudgets(
	db: DatabaseOrTransaction,
	organizationIds: string[],
): Promise<Map<string, number>> {
	if (organizationIds.length === 0) return new Map();
	const rows = await db
		.select()
		.from(schema.llmOrganizationBudgets)
		.where(inArray(schema.llmOrganizationBudgets.organizationId, organizationIds));
	return new Map(rows.map((row) => [row.organizationId, row.monthlyBudgetNanoUsd] as const));
}
