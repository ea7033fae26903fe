import { createHash, randomBytes } from "node:crypto";
import { recordAuditEvent } from "../audit/service";
import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";
import * as orgsDb from "../orgs/db";
import type { Actor } from "../orgs/members";
import { assertCan } from "../orgs/permissions";
import * as apiKeysDb from "./db";
import { ApiKeyNotFoundError, InvalidApiKeyError } from "./errors";
import { type ApiKey, type ApiKeyUser, toApiKey, toApiKeyUser } from "./mapper";

/** Every key starts with this, so leaked keys are easy to recognise and scan for. */
export const API_KEY_PREFIX = "pk_";
const visiblePrefixLength = API_KEY_PREFIX.length + 8;
/** lastUsedAt is written at most this often per key. */
const touchIntervalMs = 60_000;

export function hashApiKey(key: string): string {
	return createHash("sha256").update(key).digest("hex");
}

/** Creates a key; the returned `secret` is shown once and never stored (only its SHA-256). */
export async function createApiKey(
	context: ServiceContext,
	params: { actor: Actor; name: string },
): Promise<{ apiKey: ApiKey; secret: string }> {
	assertCan(params.actor.role, "api_keys:manage");
	const secret = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
	const row = await apiKeysDb.insertApiKey(context.db, {
		id: generateTextId(),
		organizationId: params.actor.organizationId,
		createdBy: params.actor.userId,
		name: params.name.trim(),
		prefix: secret.slice(0, visiblePrefixLength),
		keyHash: hashApiKey(secret),
	});
	await recordAuditEvent(context.db, {
		action: "api_key.created",
		actorUserId: params.actor.userId,
		organizationId: params.actor.organizationId,
		targetType: "api_key",
		targetId: row.id,
	});
	return { apiKey: toApiKey(row), secret };
}

export async function listApiKeys(
	context: ServiceContext,
	params: { organizationId: string },
): Promise<ApiKey[]> {
	return (await apiKeysDb.listApiKeys(context.db, params)).map(toApiKey);
}

export async function revokeApiKey(
	context: ServiceContext,
	params: { actor: Actor; apiKeyId: string },
): Promise<void> {
	assertCan(params.actor.role, "api_keys:manage");
	const row = await apiKeysDb.revokeApiKey(context.db, {
		organizationId: params.actor.organizationId,
		apiKeyId: params.apiKeyId,
	});
	if (!row) throw new ApiKeyNotFoundError(params.apiKeyId);
	await recordAuditEvent(context.db, {
		action: "api_key.revoked",
		actorUserId: params.actor.userId,
		organizationId: params.actor.organizationId,
		targetType: "api_key",
		targetId: row.id,
	});
}

/**
 * Resolves a presented key to its organization and user. Revoked keys, unknown keys and keys whose
 * creator left the organization are rejected alike.
 */
export async function authenticate(
	context: ServiceContext,
	params: { key: string },
): Promise<{ apiKeyId: string; organizationId: string; user: ApiKeyUser }> {
	if (!params.key.startsWith(API_KEY_PREFIX) || params.key.length > 200) throw new InvalidApiKeyError();
	const found = await apiKeysDb.findActiveApiKeyByHashUnscoped(context.db, hashApiKey(params.key));
	if (!found) throw new InvalidApiKeyError();
	const member = await orgsDb.findMember(context.db, {
		organizationId: found.apiKey.organizationId,
		userId: found.apiKey.createdBy,
	});
	if (!member) throw new InvalidApiKeyError();
	if (!found.apiKey.lastUsedAt || Date.now() - found.apiKey.lastUsedAt.getTime() > touchIntervalMs)
		await apiKeysDb.touchApiKey(context.db, { apiKeyId: found.apiKey.id });
	return {
		apiKeyId: found.apiKey.id,
		organizationId: found.apiKey.organizationId,
		user: toApiKeyUser(found.user),
	};
}
