import type {
	CreateSandboxOptions,
	SandboxHandle,
	SandboxProvider,
	SandboxProviderType,
} from "@proliferate/shared";
import type { ServiceContext } from "../context";
import * as warmDb from "./db";
import { deserializeHandle, serializeHandle } from "./mapper";

/** Progress and outcome logging; `@proliferate/logger` loggers fit. */
interface PoolLogger {
	info(object: Record<string, unknown>, message: string): void;
	warn(object: Record<string, unknown>, message: string): void;
}

const silent: PoolLogger = { info: () => {}, warn: () => {} };

/** What a pool keeps warm. */
export interface WarmPoolSpec {
	/** Pool name, from `warmPoolKey`. */
	poolKey: string;
	/** Number of ready sandboxes to keep. */
	size: number;
	/** Owner of the repository for repo pools (only that organization can claim them). */
	organizationId?: string | null;
	/** How each sandbox is created (repo to clone, processes, lifetime…); no session yet. */
	createOptions?: Omit<CreateSandboxOptions, "sessionId" | "organizationId">;
	/** Sandboxes with less lifetime left are retired instead of handed out (default 600 s). */
	minRemainingSeconds?: number;
	/** Parallel creations during a refill (default 2). */
	concurrency?: number;
}

/** Pool name: one scratch pool per provider, one per provider and repository for repo pools. */
export function warmPoolKey(provider: SandboxProviderType, repoId?: string | null): string {
	return repoId ? `${provider}:repo:${repoId}` : provider;
}

export interface RefillResult {
	poolKey: string;
	created: number;
	failed: number;
	retired: number;
	/** Ready + warming after the refill. */
	size: number;
}

async function retire(
	context: ServiceContext,
	provider: SandboxProvider,
	spec: WarmPoolSpec,
	logger: PoolLogger,
) {
	const minRemaining = (spec.minRemainingSeconds ?? 600) * 1000;
	const rows = await warmDb.findRetirableWarmSandboxes(context.db, {
		poolKey: spec.poolKey,
		before: new Date(Date.now() + minRemaining),
		stuckBefore: new Date(Date.now() - 15 * 60_000),
	});
	for (const row of rows) {
		if (row.providerSandboxId) await provider.terminate(row.providerSandboxId).catch(() => {});
		await warmDb.deleteWarmSandbox(context.db, row.id);
		logger.info(
			{ poolKey: spec.poolKey, sandboxId: row.providerSandboxId, state: row.state },
			"warm sandbox retired",
		);
	}
	await warmDb.deleteOldClaims(context.db, { before: new Date(Date.now() - 24 * 3600_000) });
	return rows.length;
}

/**
 * Bring a pool back to its size: retire sandboxes near the end of their lifetime, reserve the
 * missing slots (concurrent refills never overfill), then create sandboxes for them. A failed
 * creation frees its slot and is counted; the next refill tries again.
 */
export async function refillWarmPool(
	context: ServiceContext,
	provider: SandboxProvider,
	spec: WarmPoolSpec,
	logger: PoolLogger = silent,
): Promise<RefillResult> {
	const retired = await retire(context, provider, spec, logger);
	const slots = await warmDb.reserveWarmSlots(context.db, {
		poolKey: spec.poolKey,
		provider: provider.type,
		organizationId: spec.organizationId ?? null,
		size: spec.size,
	});
	let created = 0;
	let failed = 0;
	const queue = [...slots];
	const total = slots.length;
	if (total > 0) logger.info({ poolKey: spec.poolKey, missing: total }, "warm pool refill started");
	async function worker() {
		for (let slot = queue.shift(); slot; slot = queue.shift()) {
			const started = Date.now();
			try {
				const handle = await provider.createSandbox({
					...spec.createOptions,
					sessionId: null,
					organizationId: spec.organizationId ?? null,
				});
				await warmDb.markWarmSandboxReady(context.db, {
					id: slot.id,
					providerSandboxId: handle.sandboxId,
					handle: serializeHandle(handle),
					expiresAt: handle.expiresAt,
				});
				created++;
				logger.info(
					{
						poolKey: spec.poolKey,
						sandboxId: handle.sandboxId,
						ms: Date.now() - started,
						done: created + failed,
						total,
					},
					"warm sandbox ready",
				);
			} catch (error) {
				failed++;
				await warmDb.deleteWarmSandbox(context.db, slot.id);
				logger.warn(
					{
						poolKey: spec.poolKey,
						error: error instanceof Error ? error.message : String(error),
						done: created + failed,
						total,
					},
					"warm sandbox creation failed",
				);
			}
		}
	}
	await Promise.all(Array.from({ length: Math.max(1, spec.concurrency ?? 2) }, worker));
	const live = await warmDb.listWarmSandboxes(context.db, {
		poolKey: spec.poolKey,
		states: ["warming", "ready"],
	});
	return { poolKey: spec.poolKey, created, failed, retired, size: live.length };
}

export interface ClaimedWarmSandbox {
	/** Warm pool row id. */
	id: string;
	provider: SandboxProviderType;
	handle: SandboxHandle;
}

/**
 * Take a ready sandbox from the pool for a session, or null when the pool is empty (the caller
 * then creates one and refills the pool). The sandbox was created without a session: the caller
 * hands it over with the provider's `claimSandbox` (repository, files, env, egress, processes).
 */
export async function claimWarmSandbox(
	context: ServiceContext,
	params: { poolKey: string; organizationId: string; sessionId: string; minRemainingSeconds?: number },
): Promise<ClaimedWarmSandbox | null> {
	const row = await warmDb.claimWarmSandbox(context.db, {
		poolKey: params.poolKey,
		organizationId: params.organizationId,
		sessionId: params.sessionId,
		notExpiringBefore: new Date(Date.now() + (params.minRemainingSeconds ?? 600) * 1000),
	});
	if (!row?.handle || !row.providerSandboxId) return null;
	return { id: row.id, provider: row.provider, handle: deserializeHandle(row.handle) };
}

/** Terminate and forget every unclaimed sandbox of a pool (pool disabled or reconfigured). */
export async function drainWarmPool(
	context: ServiceContext,
	provider: SandboxProvider,
	poolKey: string,
): Promise<number> {
	const rows = await warmDb.listWarmSandboxes(context.db, { poolKey, states: ["warming", "ready"] });
	for (const row of rows) {
		if (row.providerSandboxId) await provider.terminate(row.providerSandboxId).catch(() => {});
		await warmDb.deleteWarmSandbox(context.db, row.id);
	}
	return rows.length;
}

export async function warmPoolStats(
	context: ServiceContext,
	poolKey: string,
): Promise<{ warming: number; ready: number; claimed: number }> {
	const rows = await warmDb.listWarmSandboxes(context.db, { poolKey });
	return {
		warming: rows.filter((row) => row.state === "warming").length,
		ready: rows.filter((row) => row.state === "ready").length,
		claimed: rows.filter((row) => row.state === "claimed").length,
	};
}

/** Sandboxes of `provider` that belong to a warm pool (any pool, any state): never the sweeper's orphans. */
export async function warmProviderSandboxIdsUnscoped(
	context: ServiceContext,
	provider: SandboxProviderType,
): Promise<Set<string>> {
	return new Set(await warmDb.listWarmProviderIdsUnscoped(context.db, { provider }));
}
