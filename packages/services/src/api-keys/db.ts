import { and, type DatabaseOrTransaction, desc, eq, isNull, schema } from "@proliferate/db";

export type ApiKeyRow = typeof schema.apiKeys.$inferSelect;
export type ApiKeyUserRow = typeof schema.users.$inferSelect;

export async function insertApiKey(
	db: DatabaseOrTransaction,
	values: typeof schema.apiKeys.$inferInsert,
): Promise<ApiKeyRow> {
	const [row] = await db.insert(schema.apiKeys).values(values).returning();
	if (!row) throw new Error("insert into api_keys returned no row");
	return row;
}

export async function listApiKeys(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<ApiKeyRow[]> {
	return db
		.select()
		.from(schema.apiKeys)
		.where(eq(schema.apiKeys.organizationId, params.organizationId))
		.orderBy(desc(schema.apiKeys.createdAt));
}

export async function revokeApiKey(
	db: DatabaseOrTransaction,
	params: { organizationId: string; apiKeyId: string },
): Promise<ApiKeyRow | undefined> {
	const [row] = await db
		.update(schema.apiKeys)
		.set({ revokedAt: new Date() })
		.where(
			and(
				eq(schema.apiKeys.id, params.apiKeyId),
				eq(schema.apiKeys.organizationId, params.organizationId),
				isNull(schema.apiKeys.revokedAt),
			),
		)
		.returning();
	return row;
}

/** Unscoped on purpose: finds a key by its hash (authentication), with its user. */
export async function findActiveApiKeyByHashUnscoped(
	db: DatabaseOrTransaction,
	keyHash: string,
): Promise<{ apiKey: ApiKeyRow; user: ApiKeyUserRow } | undefined> {
	const [row] = await db
		.select({ apiKey: schema.apiKeys, user: schema.users })
		.from(schema.apiKeys)
		.innerJoin(schema.users, eq(schema.users.id, schema.apiKeys.createdBy))
		.where(and(eq(schema.apiKeys.keyHash, keyHash), isNull(schema.apiKeys.revokedAt)));
	return row;
}

export async function touchApiKey(db: DatabaseOrTransaction, params: { apiKeyId: string }): Promise<void> {
	await db
		.update(schema.apiKeys)
		.set({ lastUsedAt: new Date() })
		.where(eq(schema.apiKeys.id, params.apiKeyId));
}
