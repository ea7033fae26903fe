import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import type { SandboxProvider, SandboxProviderType } from "@proliferate/shared";
import type { Redis } from "ioredis";
import type { JobHandlers } from "../create-worker";
import { sweepSandboxes } from "./sandbox-sweep";
import { cleanUpSnapshots } from "./snapshot-cleanup";
import { refillRemoteWarmPools } from "./warm-pool-refill";

export interface SandboxJobsDeps {
	/** `SandboxProviderRegistry` fits. */
	providers: { readonly defaultType: SandboxProviderType; get(type: SandboxProviderType): SandboxProvider };
	/** Providers swept and cleaned by this worker (without `local` where the worker is on another host). */
	types: SandboxProviderType[];
	redis: Redis;
	redisPrefix: string;
	orphanGraceMs: number;
	snapshotRetentionDays: number;
	warmPool: { size: number; lifetimeSeconds: number };
}

/** Handlers of the sandbox jobs (`sandbox-sweep`, `snapshot-cleanup`, `warm-pool-refill`). */
export function sandboxJobHandlers(
	deps: SandboxJobsDeps & { services: ServiceContext; logger: Logger },
): JobHandlers {
	return {
		"sandbox-sweep": () => sweepSandboxes({ ...deps, logger: deps.logger.child({ job: "sandbox-sweep" }) }),
		"snapshot-cleanup": (payload) =>
			cleanUpSnapshots(
				{ ...deps, logger: deps.logger.child({ job: "snapshot-cleanup" }) },
				payload.olderThanDays ?? deps.snapshotRetentionDays,
			),
		"warm-pool-refill": (payload) =>
			refillRemoteWarmPools(
				{ ...deps, ...deps.warmPool, logger: deps.logger.child({ job: "warm-pool-refill" }) },
				payload,
			),
	};
}
