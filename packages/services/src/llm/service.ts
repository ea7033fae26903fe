import { createHash, randomBytes } from "node:crypto";
import { InvalidInputError, NotFoundError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import { getSession } from "../sessions/service";
import * as llmDb from "./db";
import {
	InvalidVirtualKeyError,
	KeyBudgetExceededError,
	ModelNotAllowedError,
	VirtualKeyExpiredError,
	VirtualKeyNotFoundError,
	VirtualKeyRevokedError,
} from "./errors";
import {
	nanoToUsd,
	type SpendEntry,
	type SpendRecord,
	toSpendRecord,
	toVirtualKey,
	toVirtualKeyRecord,
	usdToNano,
	type VirtualKey,
	type VirtualKeyRecord,
} from "./mapper";

const keyMarker = "sk-prl-";
const visiblePrefixLength = keyMarker.length + 6;

export function hashVirtualKey(key: string): string {
	return createHash("sha256").update(key).digest("hex");
}

export interface MintVirtualKeyParams extends OrgScope {
	sessionId?: string | null;
	name?: string;
	/** Lifetime in seconds; null or absent: the key does not expire. */
	ttlSeconds?: number | null;
	allowedModels?: string[] | null;
	budgetUsd?: number | null;
}

/** Mints a key. The plaintext is returned once and never stored (only its sha256). */
export async function mintVirtualKey(
	context: ServiceContext,
	params: MintVirtualKeyParams,
): Promise<{ key: string; virtualKey: VirtualKey }> {
	if (params.sessionId) {
		await getSession(context, { organizationId: params.organizationId, sessionId: params.sessionId });
	}
	if (params.ttlSeconds !== undefined && params.ttlSeconds !== null && params.ttlSeconds <= 0)
		throw new InvalidInputError("ttlSeconds must be positive");
	if (params.budgetUsd !== undefined && params.budgetUsd !== null && params.budgetUsd < 0)
		throw new InvalidInputError("budgetUsd must not be negative");
	const key = `${keyMarker}${randomBytes(32).toString("base64url")}`;
	const row = await llmDb
		.insertVirtualKey(context.db, {
			organizationId: params.organizationId,
			sessionId: params.sessionId ?? null,
			name: params.name ?? (params.sessionId ? `session ${params.sessionId}` : "organization key"),
			keyHash: hashVirtualKey(key),
			keyPrefix: key.slice(0, visiblePrefixLength),
			allowedModels: params.allowedModels ?? null,
			budgetNanoUsd:
				params.budgetUsd === undefined || params.budgetUsd === null ? null : usdToNano(params.budgetUsd),
			expiresAt: params.ttlSeconds ? new Date(Date.now() + params.ttlSeconds * 1000) : null,
		})
		.catch((error: unknown) => {
			const cause = (error as { cause?: { code?: string } }).cause ?? (error as { code?: string });
			if (cause.code === "23503") throw new NotFoundError("Organization", params.organizationId);
			throw error;
		});
	return { key, virtualKey: toVirtualKey(toVirtualKeyRecord(row)) };
}

/**
 * Revokes one key (`keyId`) or every key of a session (`sessionId`). Returns the hashes revoked,
 * which the proxy broadcasts so every instance drops them from its cache.
 */
export async function revokeVirtualKeys(
	context: ServiceContext,
	params: OrgScope & { keyId?: string; sessionId?: string },
): Promise<{ revoked: VirtualKey[]; keyHashes: string[] }> {
	if (!params.keyId && !params.sessionId) throw new InvalidInputError("give keyId or sessionId");
	if (params.keyId) {
		const existing = isUuid(params.keyId)
			? await llmDb.findVirtualKey(context.db, { organizationId: params.organizationId, keyId: params.keyId })
			: undefined;
		if (!existing) throw new VirtualKeyNotFoundError(params.keyId);
	}
	if (params.sessionId && !isUuid(params.sessionId)) return { revoked: [], keyHashes: [] };
	const rows = await llmDb.revokeVirtualKeys(context.db, params);
	return {
		revoked: rows.map((row) => toVirtualKey(toVirtualKeyRecord(row))),
		keyHashes: rows.map((row) => row.keyHash),
	};
}

/** The key's record by its plaintext, or null when no such key exists (revoked and expired keys are returned). */
export async function lookupVirtualKey(
	context: ServiceContext,
	key: string,
): Promise<VirtualKeyRecord | null> {
	if (!key.startsWith(keyMarker)) return null;
	const row = await llmDb.findVirtualKeyByHashUnscoped(context.db, hashVirtualKey(key));
	return row ? toVirtualKeyRecord(row) : null;
}

/** Throws when the key may not be used now (unknown, revoked, expired) or for this model. */
export function assertVirtualKeyUsable(
	record: VirtualKeyRecord | null,
	params: { model?: string; now?: number },
): asserts record is VirtualKeyRecord {
	if (!record) throw new InvalidVirtualKeyError();
	if (record.revokedAt) throw new VirtualKeyRevokedError();
	if (record.expiresAt && record.expiresAt.getTime() <= (params.now ?? Date.now()))
		throw new VirtualKeyExpiredError();
	if (params.model !== undefined && record.allowedModels && !record.allowedModels.includes(params.model))
		throw new ModelNotAllowedError(params.model);
}

/** Throws when the key's lifetime spend (nano-dollars) has reached its budget. */
export function assertKeyWithinBudget(record: VirtualKeyRecord, spentNanoUsd: number): void {
	if (record.budgetNanoUsd !== null && spentNanoUsd >= record.budgetNanoUsd)
		throw new KeyBudgetExceededError(nanoToUsd(record.budgetNanoUsd));
}

/** Writes a batch of entries in one statement. */
export async function recordSpendBatch(context: ServiceContext, entries: SpendEntry[]): Promise<void> {
	await llmDb.insertSpendRows(context.db, entries);
}

/**
 * Ledger rows after `cursor` (ascending). Billing keeps `nextCursor` and asks again; rows are never
 * updated, so each is read once. `organizationId` absent: every organization (billing's view).
 */
export async function listSpendSince(
	context: ServiceContext,
	params: { cursor: number; limit?: number; organizationId?: string; sessionId?: string },
): Promise<{ entries: SpendRecord[]; nextCursor: number }> {
	if (params.sessionId && !isUuid(params.sessionId)) return { entries: [], nextCursor: params.cursor };
	const rows = await llmDb.listSpendAfterCursor(context.db, {
		cursor: params.cursor,
		limit: Math.min(Math.max(params.limit ?? 500, 1), 5000),
		...(params.organizationId ? { organizationId: params.organizationId } : {}),
		...(params.sessionId ? { sessionId: params.sessionId } : {}),
	});
	const entries = rows.map(toSpendRecord);
	return { entries, nextCursor: entries.at(-1)?.id ?? params.cursor };
}

/** Start of the current calendar month (UTC): organization budgets are monthly. */
export function currentBudgetPeriodStart(now = new Date()): Date {
	return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** What the proxy needs to enforce budgets: spend so far per key and per organization, and org budgets. */
export async function loadSpendTotals(
	context: ServiceContext,
	params: { keyIds: string[]; organizationIds: string[]; now?: Date },
): Promise<{
	keySpendNanoUsd: Map<string, number>;
	organizationSpendNanoUsd: Map<string, number>;
	organizationBudgetNanoUsd: Map<string, number>;
}> {
	const [keySpendNanoUsd, organizationSpendNanoUsd, organizationBudgetNanoUsd] = await Promise.all([
		llmDb.sumSpendByKey(context.db, params.keyIds),
		llmDb.sumSpendByOrganizationSince(context.db, {
			organizationIds: params.organizationIds,
			since: currentBudgetPeriodStart(params.now),
		}),
		llmDb.findOrganizationBudgets(context.db, params.organizationIds),
	]);
	return { keySpendNanoUsd, organizationSpendNanoUsd, organizationBudgetNanoUsd };
}

/** Sets (or with null removes) the organization's monthly budget across all its keys. */
export async function setOrganizationBudget(
	context: ServiceContext,
	params: OrgScope & { monthlyBudgetUsd: number | null },
): Promise<void> {
	if (params.monthlyBudgetUsd === null) {
		await llmDb.deleteOrganizationBudget(context.db, params);
		return;
	}
	if (params.monthlyBudgetUsd < 0) throw new InvalidInputError("monthlyBudgetUsd must not be negative");
	await llmDb.upsertOrganizationBudget(context.db, {
		organizationId: params.organizationId,
		monthlyBudgetNanoUsd: usdToNano(params.monthlyBudgetUsd),
	});
}
