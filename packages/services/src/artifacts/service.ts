import { NotFoundError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import * as artifactsDb from "./db";
import { type Artifact, toArtifact } from "./mapper";

/**
 * Records a stored artifact (with the `id` its object key was built from, when given); a retried
 * tool call with the same id returns the first record, whose id then differs from the one given.
 */
export async function recordArtifact(
	context: ServiceContext,
	params: OrgScope & Omit<Artifact, "id" | "createdAt"> & { id?: string; toolCallId: string },
): Promise<Artifact> {
	const row = await artifactsDb.insertArtifactIfAbsent(context.db, params);
	if (row) return toArtifact(row);
	const existing = await artifactsDb.findArtifactByToolCall(context.db, params);
	if (!existing) throw new Error("artifact insert conflicted but no row exists");
	return toArtifact(existing);
}

export async function listArtifacts(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
): Promise<Artifact[]> {
	if (!isUuid(params.sessionId)) return [];
	const rows = await artifactsDb.listArtifacts(context.db, params);
	return rows.map(toArtifact);
}

export async function getArtifact(
	context: ServiceContext,
	params: OrgScope & { sessionId: string; artifactId: string },
): Promise<Artifact> {
	if (!isUuid(params.artifactId) || !isUuid(params.sessionId))
		throw new NotFoundError("Artifact", params.artifactId);
	const row = await artifactsDb.findArtifact(context.db, params);
	if (!row) throw new NotFoundError("Artifact", params.artifactId);
	return toArtifact(row);
}

/** An artifact saved before the object store, with what its migration needs. */
export interface LegacyArtifact {
	id: string;
	organizationId: string;
	sessionId: string;
	name: string;
	contentType: string;
	storageKey: string;
}

/** One page of artifacts (every organization) whose storage key predates the object store. */
export async function listLegacyArtifactsUnscoped(
	context: ServiceContext,
	params: { afterId?: string; limit?: number } = {},
): Promise<LegacyArtifact[]> {
	const rows = await artifactsDb.listLegacyArtifactsUnscoped(context.db, {
		...(params.afterId ? { afterId: params.afterId } : {}),
		limit: params.limit ?? 100,
	});
	return rows.map((row) => ({
		id: row.id,
		organizationId: row.organizationId,
		sessionId: row.sessionId,
		name: row.name,
		contentType: row.contentType,
		storageKey: row.storageKey,
	}));
}

/** Moves an artifact to its object-store key; false when its key is no longer `fromKey`. */
export async function moveArtifactStorageKey(
	context: ServiceContext,
	params: OrgScope & { artifactId: string; fromKey: string; toKey: string },
): Promise<boolean> {
	return artifactsDb.updateArtifactStorageKey(context.db, params);
}
