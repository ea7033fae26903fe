import type { SpendRow, VirtualKeyRow } from "./db";

/** Money is carried in nano-dollars (1e-9 USD) so per-token prices stay exact integers. */
export const NANO_USD_PER_USD = 1_000_000_000;
export const usdToNano = (usd: number) => Math.round(usd * NANO_USD_PER_USD);
export const nanoToUsd = (nano: number) => nano / NANO_USD_PER_USD;

/** What the proxy caches for a key: everything needed to authorize a request without the database. */
export interface VirtualKeyRecord {
	id: string;
	organizationId: string;
	sessionId: string | null;
	name: string;
	keyPrefix: string;
	allowedModels: string[] | null;
	budgetNanoUsd: number | null;
	expiresAt: Date | null;
	revokedAt: Date | null;
	createdAt: Date;
}

/** The API shape of a key (dates as ISO strings, money in dollars). */
export interface VirtualKey {
	id: string;
	organizationId: string;
	sessionId: string | null;
	name: string;
	keyPrefix: string;
	allowedModels: string[] | null;
	budgetUsd: number | null;
	expiresAt: string | null;
	revokedAt: string | null;
	createdAt: string;
}

/** One aggregated ledger entry: the usage of one key on one model and deployment over a flush window. */
export interface SpendEntry {
	organizationId: string;
	keyId: string | null;
	sessionId: string | null;
	model: string;
	deployment: string;
	requests: number;
	inputTokens: number;
	outputTokens: number;
	cacheReadTokens: number;
	cacheWriteTokens: number;
	costNanoUsd: number;
	/** Requests of this entry metered from an estimate (no usage reported by the upstream). */
	estimatedRequests: number;
	firstRequestAt: Date;
	lastRequestAt: Date;
}

export interface SpendRecord extends Omit<SpendEntry, "firstRequestAt" | "lastRequestAt"> {
	id: number;
	costUsd: number;
	firstRequestAt: string;
	lastRequestAt: string;
}

export function toVirtualKeyRecord(row: VirtualKeyRow): VirtualKeyRecord {
	return {
		id: row.id,
		organizationId: row.organizationId,
		sessionId: row.sessionId,
		name: row.name,
		keyPrefix: row.keyPrefix,
		allowedModels: row.allowedModels,
		budgetNanoUsd: row.budgetNanoUsd,
		expiresAt: row.expiresAt,
		revokedAt: row.revokedAt,
		createdAt: row.createdAt,
	};
}

export function toVirtualKey(record: VirtualKeyRecord): VirtualKey {
	return {
		id: record.id,
		organizationId: record.organizationId,
		sessionId: record.sessionId,
		name: record.name,
		keyPrefix: record.keyPrefix,
		allowedModels: record.allowedModels,
		budgetUsd: record.budgetNanoUsd === null ? null : nanoToUsd(record.budgetNanoUsd),
		expiresAt: record.expiresAt?.toISOString() ?? null,
		revokedAt: record.revokedAt?.toISOString() ?? null,
		createdAt: record.createdAt.toISOString(),
	};
}

export function toSpendRecord(row: SpendRow): SpendRecord {
	return {
		id: row.id,
		organizationId: row.organizationId,
		keyId: row.keyId,
		sessionId: row.sessionId,
		model: row.model,
		deployment: row.deployment,
		requests: row.requests,
		inputTokens: row.inputTokens,
		outputTokens: row.outputTokens,
		cacheReadTokens: row.cacheReadTokens,
		cacheWriteTokens: row.cacheWriteTokens,
		costNanoUsd: row.costNanoUsd,
		estimatedRequests: row.estimatedRequests,
		costUsd: nanoToUsd(row.costNanoUsd),
		firstRequestAt: row.firstRequestAt.toISOString(),
		lastRequestAt: row.lastRequestAt.toISOString(),
	};
}
