import type { ArtifactRow } from "./db";

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

export function toArtifact(row: ArtifactRow): Artifact {
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
