import type { Logger } from "@proliferate/logger";
import { type ServiceContext, sandboxes, sessions, warmPool } from "@proliferate/services";
import {
	DomainError,
	type SandboxProvider,
	type SandboxProviderType,
	type SandboxStatus,
	sessionOwnerLeaseKey,
	withTimeout,
} from "@proliferate/shared";
import type { Redis } from "ioredis";

export interface SandboxSweepDeps {
	services: ServiceContext;
	/** `SandboxProviderRegistry` fits; `get` throws for a provider that is not configured. */
	providers: { get(type: SandboxProviderType): SandboxProvider };
	/** The providers this worker sweeps (local only where it shares the gateway's host). */
	types: SandboxProviderType[];
	redis: Redis;
	redisPrefix: string;
	/** Unknown sandboxes a provider lists are orphans only once older than this. */
	orphanGraceMs: number;
	logger: Logger;
}

export interface SandboxSweepCounts {
	/** Records asked about. */
	checked: number;
	/** Records whose session ended (or is gone): sandbox terminated, record marked. */
	terminated: number;
	/** Sessions marked failed because the provider says their sandbox is gone. */
	sessionsFailed: number;
	/** Sandboxes the provider listed that no record or warm pool knows. */
	orphansTerminated: number;
	/** Left to the gateway that holds the session's lease. */
	leftToGateway: number;
	/** Records of providers this worker does not sweep or cannot build. */
	skipped: number;
	/** Provider or Redis failures; the record was left as it was. */
	errors: number;
}

/**
 * One sweep: every sandbox record that is not terminated is checked against its provider. A
 * sandbox whose session ended is terminated; a running session whose sandbox is gone is failed,
 * unless a gateway owns the session (its own stop watch acts). Then sandboxes the providers list
 * that nobody recorded are terminated. Idempotent and safe to run concurrently: terminate is
 * idempotent and every write is a compare-and-set, so a second run finds nothing left to do.
 */
export async function sweepSandboxes(deps: SandboxSweepDeps): Promise<SandboxSweepCounts> {
	const counts: SandboxSweepCounts = {
		checked: 0,
		terminated: 0,
		sessionsFailed: 0,
		orphansTerminated: 0,
		leftToGateway: 0,
		skipped: 0,
		errors: 0,
	};
	const providers = usableProviders(deps);
	for (const candidate of await sandboxes.listSweepCandidatesUnscoped(deps.services)) {
		const provider = providers.get(candidate.record.provider);
		if (!provider) {
			counts.skipped++;
			continue;
		}
		counts.checked++;
		try {
			await sweepRecord(deps, provider, candidate, counts);
		} catch (error) {
			counts.errors++;
			deps.logger.warn(
				{ err: error, sandboxId: candidate.record.id, providerSandboxId: candidate.record.providerSandboxId },
				"sandbox sweep could not check a sandbox; left as it was",
			);
		}
	}
	for (const [type, provider] of providers) await sweepOrphans(deps, type, provider, counts);
	deps.logger.info({ ...counts }, "sandbox sweep done");
	return counts;
}

function usableProviders(deps: SandboxSweepDeps): Map<SandboxProviderType, SandboxProvider> {
	const usable = new Map<SandboxProviderType, SandboxProvider>();
	for (const type of deps.types) {
		try {
			usable.set(type, deps.providers.get(type));
		} catch (error) {
			deps.logger.debug({ provider: type, err: error }, "provider not configured here; not swept");
		}
	}
	return usable;
}

const endedStatuses = new Set(["stopped", "failed"]);
const activeStatuses = new Set(["starting", "running", "migrating"]);

async function sweepRecord(
	deps: SandboxSweepDeps,
	provider: SandboxProvider,
	{ record, session }: sandboxes.SweepCandidate,
	counts: SandboxSweepCounts,
): Promise<void> {
	const current = session?.sandboxId === record.id;
	if (!session || endedStatuses.has(session.status) || (activeStatuses.has(session.status) && !current)) {
		// Nobody needs this sandbox, unless a gateway is acting on the session right now (a retry,
		// a migration to another sandbox): then it is the gateway's to finish.
		if (session && (await leaseHeld(deps, session.id))) {
			counts.leftToGateway++;
			return;
		}
		const reason = !session
			? "the session no longer exists"
			: endedStatuses.has(session.status)
				? `the session is ${session.status}`
				: "the session moved to another sandbox";
		await provider.terminate(record.providerSandboxId);
		if (
			await sandboxes.retireSandboxUnscoped(deps.services, {
				sandboxId: record.id,
				state: "terminated",
				reason,
			})
		)
			counts.terminated++;
		return;
	}
	// Paused sessions keep their (paused) sandbox; only a running session's current sandbox is asked.
	if (!activeStatuses.has(session.status) || !["running", "creating"].includes(record.state)) return;
	const status = await askProvider(provider, record.providerSandboxId);
	if (status && ["running", "creating", "paused"].includes(status.state)) return;
	if (await leaseHeld(deps, session.id)) {
		counts.leftToGateway++;
		return;
	}
	const reported = status ? `${status.state}${status.reason ? `: ${status.reason}` : ""}` : "not found";
	const reason = `the sandbox is gone (provider reported ${reported})`;
	try {
		await sessions.transitionSession(deps.services, {
			organizationId: session.organizationId,
			sessionId: session.id,
			from: session.status,
			to: "failed",
			reason,
		});
		counts.sessionsFailed++;
	} catch (error) {
		// Another sweeper or a gateway changed the session meanwhile: theirs is the newer word.
		if (!(error instanceof sessions.InvalidSessionTransitionError)) throw error;
		return;
	}
	await provider.terminate(record.providerSandboxId);
	if (
		await sandboxes.retireSandboxUnscoped(deps.services, {
			sandboxId: record.id,
			state: "terminated",
			reason,
		})
	)
		counts.terminated++;
}

/** The provider's word; null when it does not know the sandbox. Any other failure throws. */
async function askProvider(
	provider: SandboxProvider,
	providerSandboxId: string,
): Promise<SandboxStatus | null> {
	try {
		return await provider.status(providerSandboxId);
	} catch (error) {
		if (error instanceof DomainError && error.code === "SANDBOX_NOT_FOUND") return null;
		throw error;
	}
}

/** Whether a gateway owns the session. Redis out of reach counts as owned (nothing is changed). */
async function leaseHeld(deps: SandboxSweepDeps, sessionId: string): Promise<boolean> {
	const key = sessionOwnerLeaseKey(deps.redisPrefix, sessionId);
	const exists = await withTimeout(deps.redis.exists(key), 5_000, () => new Error("Redis did not answer"));
	return exists === 1;
}

async function sweepOrphans(
	deps: SandboxSweepDeps,
	type: SandboxProviderType,
	provider: SandboxProvider,
	counts: SandboxSweepCounts,
): Promise<void> {
	if (!provider.listSandboxes) return;
	try {
		const listed = await provider.listSandboxes();
		const cutoff = Date.now() - deps.orphanGraceMs;
		const old = listed.filter((sandbox) => sandbox.createdAt.getTime() < cutoff);
		if (old.length === 0) return;
		const known = await sandboxes.knownProviderSandboxIdsUnscoped(deps.services, {
			provider: type,
			providerSandboxIds: old.map((sandbox) => sandbox.sandboxId),
		});
		const warm = await warmPool.warmProviderSandboxIdsUnscoped(deps.services, type);
		for (const sandbox of old) {
			if (known.has(sandbox.sandboxId) || warm.has(sandbox.sandboxId)) continue;
			await provider.terminate(sandbox.sandboxId);
			counts.orphansTerminated++;
			deps.logger.info({ provider: type, sandboxId: sandbox.sandboxId }, "orphan sandbox terminated");
		}
	} catch (error) {
		counts.errors++;
		deps.logger.warn({ err: error, provider: type }, "sandbox sweep could not list the provider's sandboxes");
	}
}
