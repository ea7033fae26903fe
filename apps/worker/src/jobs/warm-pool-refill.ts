import { warmSandboxSettings } from "@proliferate/agent-runtime";
import type { Logger } from "@proliferate/logger";
import { type ServiceContext, warmPool } from "@proliferate/services";
import type { SandboxProvider, SandboxProviderType } from "@proliferate/shared";

export interface WarmPoolRefillDeps {
	services: ServiceContext;
	providers: { readonly defaultType: SandboxProviderType; get(type: SandboxProviderType): SandboxProvider };
	/** `SANDBOX_WARM_POOL_SIZE` (0: no pool) and `SANDBOX_TIMEOUT_SECONDS`, as the gateway has them. */
	size: number;
	lifetimeSeconds: number;
	logger: Logger;
}

/**
 * Tops up the shared scratch pool of a remote provider: the deployment default's when it is remote
 * (the only pool the gateway claims from), or the one the payload names. Slots are reserved under
 * the pool's advisory lock, so this job and the gateways' keepers together never over-fill; claims
 * stay in the gateway. Local pools belong to their gateway's host and are never filled here.
 */
export async function refillRemoteWarmPools(
	deps: WarmPoolRefillDeps,
	payload: { provider?: "e2b" | "modal" },
): Promise<warmPool.RefillResult[]> {
	const type = payload.provider ?? deps.providers.defaultType;
	if (deps.size <= 0 || type === "local") return [];
	const result = await warmPool.refillWarmPool(
		deps.services,
		deps.providers.get(type),
		{ poolKey: warmPool.warmPoolKey(type), size: deps.size, ...warmSandboxSettings(deps.lifetimeSeconds) },
		deps.logger,
	);
	deps.logger.info({ ...result }, "warm pool refilled");
	return [result];
}
