import { resolve } from "node:path";
import type { workerEnvSchema } from "@proliferate/environment";
import type { Logger } from "@proliferate/logger";
import { SandboxProviderRegistry, sandboxProvidersConfigFromEnv } from "@proliferate/sandbox";
import type { SandboxProviderType } from "@proliferate/shared";
import type { Redis } from "ioredis";
import type { z } from "zod";
import type { JobSchedule } from "../create-worker";
import type { SandboxJobsDeps } from "./sandbox-jobs";

type WorkerEnv = z.infer<typeof workerEnvSchema>;

/**
 * The worker's provider registry and the sandbox jobs' schedules, from its environment. The local
 * provider here only reads and removes what the gateway's made on this host (status, terminate,
 * listings, snapshot files): it needs the data directory, not the OpenCode binary or mounts.
 */
export function sandboxJobsFromEnv(
	env: WorkerEnv,
	options: { redis: Redis; logger: Logger },
): { deps: SandboxJobsDeps & { providers: SandboxProviderRegistry }; schedules: JobSchedule[] } {
	const providers = new SandboxProviderRegistry(
		sandboxProvidersConfigFromEnv(env, {
			local: {
				dataDirectory: resolve(env.PROLIFERATE_DATA_DIR),
				allowUnisolated: env.SANDBOX_ALLOW_UNISOLATED,
				logger: options.logger.child({ module: "sandbox" }),
			},
			logger: options.logger,
		}),
	);
	const types: SandboxProviderType[] = env.SANDBOX_SWEEP_LOCAL ? ["local", "e2b", "modal"] : ["e2b", "modal"];
	return {
		deps: {
			providers,
			types,
			redis: options.redis,
			redisPrefix: env.REDIS_KEY_PREFIX,
			orphanGraceMs: env.SANDBOX_SWEEP_ORPHAN_GRACE_SECONDS * 1000,
			snapshotRetentionDays: env.SNAPSHOT_RETENTION_DAYS,
			warmPool: { size: env.SANDBOX_WARM_POOL_SIZE, lifetimeSeconds: env.SANDBOX_TIMEOUT_SECONDS },
		},
		schedules: [
			{ name: "sandbox-sweep", everyMs: env.SANDBOX_SWEEP_INTERVAL_SECONDS * 1000, payload: {} },
			{ name: "snapshot-cleanup", everyMs: 3600_000, payload: {} },
			...(env.SANDBOX_WARM_POOL_SIZE > 0 && env.SANDBOX_PROVIDER !== "local"
				? [
						{
							name: "warm-pool-refill" as const,
							everyMs: env.WARM_POOL_REFILL_INTERVAL_SECONDS * 1000,
							payload: {},
						},
					]
				: []),
		],
	};
}
