import { callGateway, gatewayClient } from "@proliferate/gateway-clients/server";
import { orgs } from "@proliferate/services";
import type { SandboxProviderType } from "@proliferate/shared";
import type { GatewayDeps } from "./deps";

/**
 * The organization's sandbox provider: the choice is stored by services, which providers the
 * deployment has configured is asked of the gateway (`GET /sandbox-providers`).
 */

/** The organization's override with the deployment's default and providers (any member may read it). */
export async function getSandboxProviderSettings(
	deps: GatewayDeps,
	params: { organizationId: string; userId: string },
): Promise<orgs.SandboxProviderSettings> {
	const [override, deployment] = await Promise.all([
		orgs.getSandboxProviderOverride(deps.context, { organizationId: params.organizationId }),
		callGateway(() => gatewayClient(deps.gateway, params).listSandboxProviders()),
	]);
	return orgs.toSandboxProviderSettings(override, deployment);
}

/**
 * Sets the provider the organization's new sessions run on (owners and admins), or follows the
 * deployment default again with null. A provider must be configured on the deployment (asked of the
 * gateway); sessions already running or paused keep theirs. Audited when it changes.
 */
export async function chooseSandboxProvider(
	deps: GatewayDeps,
	params: { actor: orgs.Actor; provider: SandboxProviderType | null },
): Promise<{ override: SandboxProviderType | null }> {
	const { actor, provider } = params;
	orgs.assertCanChooseSandboxProvider(actor);
	if (provider) {
		const deployment = await callGateway(() => gatewayClient(deps.gateway, actor).listSandboxProviders());
		orgs.assertSandboxProviderOffered(deployment, provider);
	}
	return orgs.saveSandboxProviderChoice(deps.context, { actor, provider });
}
