import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { Logger } from "@proliferate/logger";
import { artifacts, type ServiceContext } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import { ObjectNotFoundError, type ObjectStore } from "@proliferate/storage";
import { artifactKeyPrefix, artifactObjectKey, contentDisposition } from "./artifact-keys";

export interface ArtifactStorageDeps {
	services: ServiceContext;
	/** Where artifact bytes live (local directory or S3). */
	objectStore: ObjectStore;
}

/** How long a presigned artifact download URL is valid. */
export const ARTIFACT_URL_EXPIRY_SECONDS = 300;

/**
 * Stores an artifact's bytes under `orgs/<org>/sessions/<session>/artifacts/<id>/<safe name>`, then
 * records its row with the original name for display (NUL, which PostgreSQL cannot store, becomes
 * U+FFFD). The object is written first, so a row never points at nothing; a retried tool call whose
 * row already exists keeps the first object and drops its own, as does a failed insert.
 */
export async function saveArtifact(
	deps: ArtifactStorageDeps,
	params: {
		organizationId: string;
		sessionId: string;
		toolCallId: string;
		name: string;
		content: Uint8Array;
		contentType: string;
		kind: artifacts.Artifact["kind"];
	},
): Promise<artifacts.Artifact> {
	const artifactId = randomUUID();
	const storageKey = artifactObjectKey({ ...params, artifactId });
	await deps.objectStore.put(storageKey, params.content, { contentType: params.contentType });
	const artifact = await artifacts
		.recordArtifact(deps.services, {
			id: artifactId,
			organizationId: params.organizationId,
			sessionId: params.sessionId,
			name: params.name.replaceAll("\u0000", "\uFFFD"),
			contentType: params.contentType,
			sizeBytes: params.content.byteLength,
			storageKey,
			kind: params.kind,
			toolCallId: params.toolCallId,
		})
		.catch(async (error: unknown) => {
			await deps.objectStore.delete(storageKey).catch(() => undefined);
			throw error;
		});
	if (artifact.id !== artifactId) await deps.objectStore.delete(storageKey);
	return artifact;
}

const missing = () => new DomainError("not_found", "ARTIFACT_MISSING", "The artifact's file is gone");

/**
 * Answers an artifact download for a member of its organization (the caller checked access): a
 * `302` to a short-lived presigned URL when the store has them (S3), else the bytes streamed from
 * the store. A row of another organization or session, a key outside the artifact's own prefix, or
 * a missing object are all `404`.
 */
export async function sendArtifact(
	deps: ArtifactStorageDeps & { logger: Logger },
	response: ServerResponse,
	params: { organizationId: string; sessionId: string; artifactId: string },
): Promise<void> {
	const artifact = await artifacts.getArtifact(deps.services, params);
	if (!artifact.storageKey.startsWith(artifactKeyPrefix({ ...params, artifactId: artifact.id })))
		throw missing();
	const url = await deps.objectStore.downloadUrl(artifact.storageKey, {
		expiresInSeconds: ARTIFACT_URL_EXPIRY_SECONDS,
		filename: artifact.name,
	});
	if (url !== null) {
		if (!(await deps.objectStore.head(artifact.storageKey))) throw missing();
		response.writeHead(302, { location: url, "cache-control": "private, no-store" });
		response.end();
		return;
	}
	const object = await deps.objectStore.get(artifact.storageKey).catch((error: unknown) => {
		throw error instanceof ObjectNotFoundError ? missing() : error;
	});
	response.writeHead(200, {
		"content-type": artifact.contentType,
		"content-length": String(object.size),
		"content-disposition": contentDisposition(artifact.name),
		"x-content-type-options": "nosniff",
	});
	await pipeline(object.body, response).catch((error: unknown) => {
		// Headers are out: all that is left is to cut the response short.
		deps.logger.warn({ err: error, artifactId: artifact.id }, "artifact download interrupted");
		response.destroy();
	});
}
