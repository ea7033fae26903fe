import { and, asc, eq, schema } from "@proliferate/db";
import { NotFoundError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";

export interface Artifact {
	id: string;
	sessionId: string;
	name: string;
	contentType: string;
	sizeBytes: number;
	storageKey: string;
	kind: "screenshot" | "file" | "log" | "report";
	createdAt: string;
}

function toArtifact(row: typeof schema.sessionArtifacts.$inferSelect): Artifact {
	return {
		id: row.id,
		sessionId: row.sessionId,
		name: row.name,
		contentType: row.contentType,
		sizeBytes: row.sizeBytes,
		storageKey: row.storageKey,
		kind: row.kind,
		createdAt: row.createdAt.toISOString(),
	};
}

/** Records a stored artifact; a retried tool call with the same id returns the first record. */
export async function recordArtifact(
	context: ServiceContext,
	params: OrgScope & Omit<Artifact, "id" | "createdAt"> & { toolCallId: string },
): Promise<Artifact> {
	const [row] = await context.db
		.insert(schema.sessionArtifacts)
		.values(params)
		.onConflictDoNothing({
			target: [
				schema.sessionArtifacts.sessionId,
				schema.sessionArtifacts.toolCallId,
				schema.sessionArtifacts.name,
			],
		})
		.returning();
	if (row) return toArtifact(row);
	const [existing] = await context.db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				eq(schema.sessionArtifacts.sessionId, params.sessionId),
				eq(schema.sessionArtifacts.toolCallId, params.toolCallId),
				eq(schema.sessionArtifacts.name, params.name),
			),
		);
	if (!existing) throw new Error("artifact insert conflicted but no row exists");
	return toArtifact(existing);
}

export async function listArtifacts(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
): Promise<Artifact[]> {
	if (!isUuid(params.sessionId)) return [];
	const rows = await context.db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				eq(schema.sessionArtifacts.organizationId, params.organizationId),
				eq(schema.sessionArtifacts.sessionId, params.sessionId),
			),
		)
		.orderBy(asc(schema.sessionArtifacts.createdAt));
	return rows.map(toArtifact);
}

export async function getArtifact(
	context: ServiceContext,
	params: OrgScope & { sessionId: string; artifactId: string },
): Promise<Artifact> {
	if (!isUuid(params.artifactId) || !isUuid(params.sessionId))
		throw new NotFoundError("Artifact", params.artifactId);
	const [row] = await context.db
		.select()
		.from(schema.sessionArtifacts)
		.where(
			and(
				eq(schema.sessionArtifacts.organizationId, params.organizationId),
				eq(schema.sessionArtifacts.sessionId, params.sessionId),
				eq(schema.sessionArtifacts.id, params.artifactId),
			),
		);
	if (!row) throw new NotFoundError("Artifact", params.artifactId);
	return toArtifact(row);
}
