import { createHash } from "node:crypto";
import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import * as idempotencyDb from "./db";
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from "./errors";

/** How long a key's first response is kept and answered again. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600_000;
/** How long a pending claim outside a transaction blocks its key before another request may take it over. */
export const IDEMPOTENCY_PENDING_LOCK_MS = 10 * 60_000;

/** One idempotent request: its key, what the key is for, and the request it must match. */
export interface IdempotentRequest extends OrgScope {
	/** `sessions.create` or `sessions.message:<sessionId>`: keys of different scopes never meet. */
	scope: string;
	key: string;
	/** The parsed request body; its canonical JSON's SHA-256 is stored with the key. */
	request: unknown;
}

/** The response a key answers with: the first request's, stored, then answered to every repeat. */
export interface StoredResponse {
	status: number;
	body: unknown;
}

export interface IdempotentResult extends StoredResponse {
	/** True when this is a repeat answered from the stored response (the effect did not run). */
	replayed: boolean;
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
	if (value && typeof value === "object") {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, entry]) => entry !== undefined)
			.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
		return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonicalJson(entry)}`).join(",")}}`;
	}
	return JSON.stringify(value ?? null);
}

export function requestHash(request: unknown): string {
	return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

type Claim = { kind: "claimed"; id: string } | { kind: "replay"; response: StoredResponse };

async function claim(context: ServiceContext, request: IdempotentRequest, lockMs: number): Promise<Claim> {
	const hash = requestHash(request.request);
	const scope = { organizationId: request.organizationId, scope: request.scope, key: request.key };
	// Twice at most: a row found in conflict may expire (and be pruned) before it is read.
	for (let attempt = 0; attempt < 2; attempt++) {
		const now = Date.now();
		const id = await idempotencyDb.claimKey(context.db, {
			...scope,
			requestHash: hash,
			lockedUntil: new Date(now + lockMs),
			expiresAt: new Date(now + IDEMPOTENCY_KEY_TTL_MS),
		});
		if (id) return { kind: "claimed", id };
		const existing = await idempotencyDb.findKey(context.db, scope);
		if (!existing) continue;
		if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError(request.scope);
		if (existing.status === "pending" || existing.responseStatus === null)
			throw new IdempotencyKeyInFlightError(request.scope);
		return { kind: "replay", response: { status: existing.responseStatus, body: existing.responseBody } };
	}
	throw new IdempotencyKeyInFlightError(request.scope);
}

/**
 * Runs `effect` once per key, in one transaction with the key's claim and stored response: the
 * effect's writes and the key commit together or not at all. A concurrent duplicate waits on the
 * key's unique index until the first commits, then gets its response (or, if it rolled back, runs).
 */
export async function runInTransaction(
	context: ServiceContext,
	request: IdempotentRequest,
	effect: (transaction: ServiceContext) => Promise<StoredResponse>,
): Promise<IdempotentResult> {
	return withTransaction(context.db, async (tx) => {
		const transaction: ServiceContext = { db: tx };
		const claimed = await claim(transaction, request, IDEMPOTENCY_PENDING_LOCK_MS);
		if (claimed.kind === "replay") return { ...claimed.response, replayed: true };
		const response = await effect(transaction);
		await idempotencyDb.completeKey(tx, {
			organizationId: request.organizationId,
			id: claimed.id,
			responseStatus: response.status,
			responseBody: response.body,
		});
		return { ...response, replayed: false };
	});
}

/**
 * Runs an `effect` that is not a database write (a prompt handed to the agent) once per key: the
 * key is claimed as pending (committed), the effect runs, its response is stored. A duplicate while
 * it runs gets `IDEMPOTENCY_KEY_IN_FLIGHT`; a failed effect releases the key for a retry. A claim
 * whose holder died is taken over after `IDEMPOTENCY_PENDING_LOCK_MS`.
 */
export async function runWithClaim(
	context: ServiceContext,
	request: IdempotentRequest,
	effect: () => Promise<StoredResponse>,
): Promise<IdempotentResult> {
	const claimed = await claim(context, request, IDEMPOTENCY_PENDING_LOCK_MS);
	if (claimed.kind === "replay") return { ...claimed.response, replayed: true };
	const keyId = { organizationId: request.organizationId, id: claimed.id };
	let response: StoredResponse;
	try {
		response = await effect();
	} catch (error) {
		await idempotencyDb.deletePendingKey(context.db, keyId);
		throw error;
	}
	await idempotencyDb.completeKey(context.db, {
		...keyId,
		responseStatus: response.status,
		responseBody: response.body,
	});
	return { ...response, replayed: false };
}

/** Deployment-wide garbage collection: deletes keys past their 24 h (returns how many). */
export function pruneExpiredUnscoped(context: ServiceContext, now = new Date()): Promise<number> {
	return idempotencyDb.deleteExpiredKeysUnscoped(context.db, now);
}
