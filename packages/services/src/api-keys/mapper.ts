import type { ApiKeyRow, ApiKeyUserRow } from "./db";

export interface ApiKey {
	id: string;
	name: string;
	prefix: string;
	createdBy: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
	createdAt: string;
}

/** The user an API key acts as. */
export interface ApiKeyUser {
	id: string;
	name: string;
	email: string;
	emailVerified: boolean;
	image: string | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
	return {
		id: row.id,
		name: row.name,
		prefix: row.prefix,
		createdBy: row.createdBy,
		lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
		revokedAt: row.revokedAt?.toISOString() ?? null,
		createdAt: row.createdAt.toISOString(),
	};
}

export function toApiKeyUser(user: ApiKeyUserRow): ApiKeyUser {
	return {
		id: user.id,
		name: user.name,
		email: user.email,
		emailVerified: user.emailVerified,
		image: user.image,
	};
}
