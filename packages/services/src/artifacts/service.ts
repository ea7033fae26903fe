import { NotFoundError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import * as artifactsDb from "./db";
import { type Artifact, toArtifact } from "./mapper";

/** Records a stored artifact; a retried tool call with the same id returns the first record. */
export async function recordArtifact(
	context: ServiceContext,
	params: OrgScope & Omit<Artifact, "id" | "createdAt"> & { toolCallId: string },
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
