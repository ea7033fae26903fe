import { and, asc, type DatabaseOrTransaction, eq, gt, notLike, schema } from "@proliferate/db";

export type ArtifactRow = typeof schema.sessionArtifacts.$inferSelect;

/** Object-store keys of artifacts start here (`orgs/<org>/sessions/<session>/artifacts/…`). */
export const OBJECT_KEY_ROOT = "orgs/";

/** Inserts an artifact unless one with the same session, tool call and name exists (then undefined). */
export async function insertArtifactIfAbsent(
	db: DatabaseOrTransaction,
	values: typeof schema.sessionArtifacts.$inferInsert,
): Promise<ArtifactRow | undefined> {
	const [row] = await db
		.insert(schema.sessionArtifacts)
		.values(values)
		.onConflictDoNothing({
			target: [
				schema.sessionArtifacts.sessionId,
				schema.sessionArtifacts.toolCallId,
				schema.sessionArtifacts.name,
			],
		})
		.returning();
	return row;
}

export async function findArtifactByToolCall(
	db: DatabaseOrTransaction,
	params: { sessionId: string; toolCallId: string; name: string },
): Promise<ArtifactRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				eq(schema.sessionArtifacts.sessionId, params.sessionId),
				eq(schema.sessionArtifacts.toolCallId, params.toolCallId),
				eq(schema.sessionArtifacts.name, params.name),
			),
		);
	return row;
}

export async function listArtifacts(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sessionId: string },
): Promise<ArtifactRow[]> {
	return db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				eq(schema.sessionArtifacts.organizationId, params.organizationId),
				eq(schema.sessionArtifacts.sessionId, params.sessionId),
			),
		)
		.orderBy(asc(schema.sessionArtifacts.createdAt));
}

export async function findArtifact(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sessionId: string; artifactId: string },
): Promise<ArtifactRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				eq(schema.sessionArtifacts.organizationId, params.organizationId),
				eq(schema.sessionArtifacts.sessionId, params.sessionId),
				eq(schema.sessionArtifacts.id, params.artifactId),
			),
		);
	return row;
}

/**
 * Artifacts of every organization whose storage key is not an object-store key yet (saved before
 * artifacts moved onto the object store), by id, a page at a time. Deliberately unscoped: the
 * gateway's start-up migration moves them all.
 */
export async function listLegacyArtifactsUnscoped(
	db: DatabaseOrTransaction,
	params: { afterId?: string; limit: number },
): Promise<ArtifactRow[]> {
	return db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				notLike(schema.sessionArtifacts.storageKey, `${OBJECT_KEY_ROOT}%`),
				params.afterId ? gt(schema.sessionArtifacts.id, params.afterId) : undefined,
			),
		)
		.orderBy(asc(schema.sessionArtifacts.id))
		.limit(params.limit);
}

/** Points an artifact at a new storage key if it still has `fromKey` (false when it has not). */
export async function updateArtifactStorageKey(
	db: DatabaseOrTransaction,
	params: { organizationId: string; artifactId: string; fromKey: string; toKey: string },
): Promise<boolean> {
	const rows = await db
		.update(schema.sessionArtifacts)
		.set({ storageKey: params.toKey })
		.where(
			and(
				eq(schema.sessionArtifacts.organizationId, params.organizationId),
				eq(schema.sessionArtifacts.id, params.artifactId),
				eq(schema.sessionArtifacts.storageKey, params.fromKey),
			),
		)
		.returning({ id: schema.sessionArtifacts.id });
	return rows.length > 0;
}
