import { and, asc, type DatabaseOrTransaction, eq, gt, inArray, ne, schema, sql } from "@proliferate/db";

export type SecretRow = typeof schema.secrets.$inferSelect;
export type SecretBundleRow = typeof schema.secretBundles.$inferSelect;

/** A secret's row without its sealed value, with the name of whoever changed it last. */
export type SecretSummaryRow = Omit<SecretRow, "sealedValue"> & { updatedByName: string | null };

const summaryColumns = {
	id: schema.secrets.id,
	organizationId: schema.secrets.organizationId,
	scope: schema.secrets.scope,
	repoId: schema.secrets.repoId,
	bundleId: schema.secrets.bundleId,
	configurationId: schema.secrets.configurationId,
	key: schema.secrets.key,
	keyId: schema.secrets.keyId,
	description: schema.secrets.description,
	createdBy: schema.secrets.createdBy,
	updatedBy: schema.secrets.updatedBy,
	createdAt: schema.secrets.createdAt,
	updatedAt: schema.secrets.updatedAt,
	updatedByName: schema.users.name,
};

/** Inserts a secret; undefined when its scope already has that key. */
export async function insertSecret(
	db: DatabaseOrTransaction,
	values: typeof schema.secrets.$inferInsert,
): Promise<SecretRow | undefined> {
	const [row] = await db
		.insert(schema.secrets)
		.values(values)
		.onConflictDoNothing({
			target: [schema.secrets.organizationId, schema.secrets.scope, schema.secrets.key],
		})
		.returning();
	return row;
}

export async function findSecret(
	db: DatabaseOrTransaction,
	params: { organizationId: string; secretId: string },
): Promise<SecretRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.secrets)
		.where(
			and(eq(schema.secrets.organizationId, params.organizationId), eq(schema.secrets.id, params.secretId)),
		);
	return row;
}

export async function updateSecret(
	db: DatabaseOrTransaction,
	params: { organizationId: string; secretId: string },
	changes: Partial<Pick<SecretRow, "sealedValue" | "keyId" | "description" | "updatedBy">>,
): Promise<SecretRow | undefined> {
	const [row] = await db
		.update(schema.secrets)
		.set({ ...changes, updatedAt: new Date() })
		.where(
			and(eq(schema.secrets.organizationId, params.organizationId), eq(schema.secrets.id, params.secretId)),
		)
		.returning();
	return row;
}

export async function deleteSecret(
	db: DatabaseOrTransaction,
	params: { organizationId: string; secretId: string },
): Promise<boolean> {
	const rows = await db
		.delete(schema.secrets)
		.where(
			and(eq(schema.secrets.organizationId, params.organizationId), eq(schema.secrets.id, params.secretId)),
		)
		.returning({ id: schema.secrets.id });
	return rows.length > 0;
}

/** The organization's secrets without values, optionally of some scopes only; by scope then key. */
export async function listSecretSummaries(
	db: DatabaseOrTransaction,
	params: { organizationId: string; scopes?: string[] },
): Promise<SecretSummaryRow[]> {
	const conditions = [eq(schema.secrets.organizationId, params.organizationId)];
	if (params.scopes)
		conditions.push(inArray(schema.secrets.scope, params.scopes.length ? params.scopes : [""]));
	return db
		.select(summaryColumns)
		.from(schema.secrets)
		.leftJoin(schema.users, eq(schema.users.id, schema.secrets.updatedBy))
		.where(and(...conditions))
		.orderBy(asc(schema.secrets.scope), asc(schema.secrets.key));
}

/** Full rows (sealed values included) of the given scopes: for resolution and import only. */
export async function listSecretsInScopes(
	db: DatabaseOrTransaction,
	params: { organizationId: string; scopes: string[] },
): Promise<SecretRow[]> {
	if (params.scopes.length === 0) return [];
	return db
		.select()
		.from(schema.secrets)
		.where(
			and(
				eq(schema.secrets.organizationId, params.organizationId),
				inArray(schema.secrets.scope, params.scopes),
			),
		);
}

/** Locks the scope's rows for the rest of the transaction (an import applying against what it previewed). */
export async function lockScope(
	db: DatabaseOrTransaction,
	params: { organizationId: string; scope: string },
): Promise<void> {
	await db.execute(
		sql`select pg_advisory_xact_lock(hashtext(${`secrets:${params.organizationId}:${params.scope}`}))`,
	);
}

/** Sealed rows not sealed with `currentKeyId`, after `afterId`, in id order (re-sealing in batches). Unscoped on purpose. */
export async function listSecretsToResealUnscoped(
	db: DatabaseOrTransaction,
	params: { currentKeyId: string; afterId: string | null; limit: number },
): Promise<SecretRow[]> {
	const conditions = [ne(schema.secrets.keyId, params.currentKeyId)];
	if (params.afterId) conditions.push(gt(schema.secrets.id, params.afterId));
	return db
		.select()
		.from(schema.secrets)
		.where(and(...conditions))
		.orderBy(asc(schema.secrets.id))
		.limit(params.limit);
}

/** Replaces a sealed value only if it is still the one read (a concurrent edit wins). */
export async function replaceSealedValueUnscoped(
	db: DatabaseOrTransaction,
	params: { secretId: string; expectedSealedValue: string; sealedValue: string; keyId: string },
): Promise<boolean> {
	const rows = await db
		.update(schema.secrets)
		.set({ sealedValue: params.sealedValue, keyId: params.keyId })
		.where(
			and(eq(schema.secrets.id, params.secretId), eq(schema.secrets.sealedValue, params.expectedSealedValue)),
		)
		.returning({ id: schema.secrets.id });
	return rows.length > 0;
}

export async function countSecretsByKeyUnscoped(
	db: DatabaseOrTransaction,
): Promise<{ keyId: string; count: number }[]> {
	return db
		.select({ keyId: schema.secrets.keyId, count: sql<number>`count(*)::int` })
		.from(schema.secrets)
		.groupBy(schema.secrets.keyId);
}

// ── Bundles

export async function insertBundle(
	db: DatabaseOrTransaction,
	values: typeof schema.secretBundles.$inferInsert,
): Promise<SecretBundleRow | undefined> {
	const [row] = await db
		.insert(schema.secretBundles)
		.values(values)
		.onConflictDoNothing({ target: [schema.secretBundles.organizationId, schema.secretBundles.name] })
		.returning();
	return row;
}

export async function findBundle(
	db: DatabaseOrTransaction,
	params: { organizationId: string; bundleId: string },
): Promise<SecretBundleRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.secretBundles)
		.where(
			and(
				eq(schema.secretBundles.organizationId, params.organizationId),
				eq(schema.secretBundles.id, params.bundleId),
			),
		);
	return row;
}

export async function findBundles(
	db: DatabaseOrTransaction,
	params: { organizationId: string; bundleIds: string[] },
): Promise<SecretBundleRow[]> {
	if (params.bundleIds.length === 0) return [];
	return db
		.select()
		.from(schema.secretBundles)
		.where(
			and(
				eq(schema.secretBundles.organizationId, params.organizationId),
				inArray(schema.secretBundles.id, params.bundleIds),
			),
		);
}

export async function listBundles(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<(SecretBundleRow & { secretCount: number })[]> {
	return db
		.select({
			id: schema.secretBundles.id,
			organizationId: schema.secretBundles.organizationId,
			name: schema.secretBundles.name,
			description: schema.secretBundles.description,
			createdBy: schema.secretBundles.createdBy,
			createdAt: schema.secretBundles.createdAt,
			updatedAt: schema.secretBundles.updatedAt,
			secretCount: sql<number>`(select count(*)::int from "secrets" where "secrets"."bundle_id" = "secret_bundles"."id")`,
		})
		.from(schema.secretBundles)
		.where(eq(schema.secretBundles.organizationId, params.organizationId))
		.orderBy(asc(schema.secretBundles.name));
}

export async function updateBundle(
	db: DatabaseOrTransaction,
	params: { organizationId: string; bundleId: string },
	changes: { name?: string; description?: string },
): Promise<SecretBundleRow | undefined> {
	const [row] = await db
		.update(schema.secretBundles)
		.set({ ...changes, updatedAt: new Date() })
		.where(
			and(
				eq(schema.secretBundles.organizationId, params.organizationId),
				eq(schema.secretBundles.id, params.bundleId),
			),
		)
		.returning();
	return row;
}

export async function deleteBundle(
	db: DatabaseOrTransaction,
	params: { organizationId: string; bundleId: string },
): Promise<boolean> {
	const rows = await db
		.delete(schema.secretBundles)
		.where(
			and(
				eq(schema.secretBundles.organizationId, params.organizationId),
				eq(schema.secretBundles.id, params.bundleId),
			),
		)
		.returning({ id: schema.secretBundles.id });
	return rows.length > 0;
}

/** The bundles attached to a repository, in attachment order. */
export async function listRepoBundles(
	db: DatabaseOrTransaction,
	params: { organizationId: string; repoId: string },
): Promise<{ bundleId: string; name: string; position: number }[]> {
	return db
		.select({
			bundleId: schema.secretBundleRepos.bundleId,
			name: schema.secretBundles.name,
			position: schema.secretBundleRepos.position,
		})
		.from(schema.secretBundleRepos)
		.innerJoin(schema.secretBundles, eq(schema.secretBundles.id, schema.secretBundleRepos.bundleId))
		.where(
			and(
				eq(schema.secretBundleRepos.organizationId, params.organizationId),
				eq(schema.secretBundleRepos.repoId, params.repoId),
			),
		)
		.orderBy(asc(schema.secretBundleRepos.position));
}

/** Every attachment of the organization's bundles (bundle → repositories), for the bundles page. */
export async function listAttachments(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<{ bundleId: string; repoId: string; position: number }[]> {
	return db
		.select({
			bundleId: schema.secretBundleRepos.bundleId,
			repoId: schema.secretBundleRepos.repoId,
			position: schema.secretBundleRepos.position,
		})
		.from(schema.secretBundleRepos)
		.where(eq(schema.secretBundleRepos.organizationId, params.organizationId))
		.orderBy(asc(schema.secretBundleRepos.repoId), asc(schema.secretBundleRepos.position));
}

/** Replaces a repository's attached bundles with `bundleIds`, in that order. */
export async function replaceRepoBundles(
	db: DatabaseOrTransaction,
	params: { organizationId: string; repoId: string; bundleIds: string[] },
): Promise<void> {
	await db
		.delete(schema.secretBundleRepos)
		.where(
			and(
				eq(schema.secretBundleRepos.organizationId, params.organizationId),
				eq(schema.secretBundleRepos.repoId, params.repoId),
			),
		);
	if (params.bundleIds.length === 0) return;
	await db.insert(schema.secretBundleRepos).values(
		params.bundleIds.map((bundleId, position) => ({
			bundleId,
			repoId: params.repoId,
			organizationId: params.organizationId,
			position,
		})),
	);
}
