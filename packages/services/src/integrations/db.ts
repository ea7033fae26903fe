import { and, type DatabaseOrTransaction, eq, gt, schema } from "@proliferate/db";

export type ConnectionRow = typeof schema.integrationConnections.$inferSelect;
export type ConnectionInsert = Omit<typeof schema.integrationConnections.$inferInsert, "id"> & { id: string };

/** Inserts a connection, or replaces the one of the same organization, provider and account. */
export async function upsertConnection(
	db: DatabaseOrTransaction,
	values: ConnectionInsert,
): Promise<ConnectionRow> {
	const [row] = await db
		.insert(schema.integrationConnections)
		.values(values)
		.onConflictDoUpdate({
			target: [
				schema.integrationConnections.organizationId,
				schema.integrationConnections.provider,
				schema.integrationConnections.accountLogin,
			],
			set: {
				id: values.id,
				kind: values.kind,
				externalId: values.externalId ?? null,
				sealedCredentials: values.sealedCredentials ?? null,
				apiUrl: values.apiUrl,
				updatedAt: new Date(),
			},
		})
		.returning();
	if (!row) throw new Error("connection upsert returned no row");
	return row;
}

export async function findGithubConnectionId(
	db: DatabaseOrTransaction,
	params: { organizationId: string; accountLogin: string },
): Promise<string | undefined> {
	const [row] = await db
		.select({ id: schema.integrationConnections.id })
		.from(schema.integrationConnections)
		.where(
			and(
				eq(schema.integrationConnections.organizationId, params.organizationId),
				eq(schema.integrationConnections.provider, "github"),
				eq(schema.integrationConnections.accountLogin, params.accountLogin),
			),
		);
	return row?.id;
}

export async function listConnections(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<ConnectionRow[]> {
	return db
		.select()
		.from(schema.integrationConnections)
		.where(eq(schema.integrationConnections.organizationId, params.organizationId))
		.orderBy(schema.integrationConnections.createdAt);
}

export async function listGithubConnections(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<ConnectionRow[]> {
	return db
		.select()
		.from(schema.integrationConnections)
		.where(
			and(
				eq(schema.integrationConnections.organizationId, params.organizationId),
				eq(schema.integrationConnections.provider, "github"),
			),
		);
}

export async function findConnection(
	db: DatabaseOrTransaction,
	params: { organizationId: string; connectionId: string },
): Promise<ConnectionRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.integrationConnections)
		.where(
			and(
				eq(schema.integrationConnections.id, params.connectionId),
				eq(schema.integrationConnections.organizationId, params.organizationId),
			),
		);
	return row;
}

/** Deletes one of the organization's connections; false when there was none. */
export async function deleteConnection(
	db: DatabaseOrTransaction,
	params: { organizationId: string; connectionId: string },
): Promise<boolean> {
	const deleted = await db
		.delete(schema.integrationConnections)
		.where(
			and(
				eq(schema.integrationConnections.id, params.connectionId),
				eq(schema.integrationConnections.organizationId, params.organizationId),
			),
		)
		.returning({ id: schema.integrationConnections.id });
	return deleted.length > 0;
}

/** Stores a single-use nonce (GitHub App installation state) in auth_verifications. */
export async function insertVerification(
	db: DatabaseOrTransaction,
	values: { id: string; identifier: string; value: string; expiresAt: Date },
): Promise<void> {
	await db.insert(schema.authVerifications).values(values);
}

/** Spends a nonce that has not expired at `now`; false when it is unknown, spent or expired. */
export async function deleteUnexpiredVerification(
	db: DatabaseOrTransaction,
	params: { identifier: string; value: string; now: Date },
): Promise<boolean> {
	const spent = await db
		.delete(schema.authVerifications)
		.where(
			and(
				eq(schema.authVerifications.identifier, params.identifier),
				eq(schema.authVerifications.value, params.value),
				gt(schema.authVerifications.expiresAt, params.now),
			),
		)
		.returning({ id: schema.authVerifications.id });
	return spent.length > 0;
}
