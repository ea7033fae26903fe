import { and, asc, type DatabaseOrTransaction, eq, schema } from "@proliferate/db";

export type ArtifactRow = typeof schema.sessionArtifacts.$inferSelect;

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
