import type { GatewaySandboxProviders } from "@proliferate/gateway-clients";
import { DomainError, type SandboxProviderType } from "@proliferate/shared";
import { recordAuditEvent } from "../audit/service";
import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { callGateway, type GatewayAccess, gatewayClient } from "../gateway/client";
import { PermissionDeniedError } from "./errors";
import type { Actor } from "./members";
import { can } from "./permissions";
import { getSandboxProviderOverride, setSandboxProviderOverride } from "./service";

/** The database and the gateway, which knows which sandbox providers the deployment can run. */
export interface SandboxProviderDeps {
	context: ServiceContext;
	gateway: GatewayAccess;
}

/** One provider as the deployment has it (from the gateway's `GET /sandbox-providers`). */
export type DeploymentSandboxProvider = GatewaySandboxProviders["providers"][number];

/** The organization's choice of sandbox provider and what the deployment offers. */
export interface SandboxProviderSettings {
	/** The organization's override; null follows the deployment default. */
	override: SandboxProviderType | null;
	/** The deployment's `SANDBOX_PROVIDER`. */
	defaultProvider: SandboxProviderType;
	/** What new sessions of the organization run on: the override, else the default. */
	effectiveProvider: SandboxProviderType;
	/** Every provider type, whether the deployment configured it and the settings that configure it. */
	providers: DeploymentSandboxProvider[];
}

export class SandboxProviderNotConfiguredError extends DomainError {
	constructor(provider: SandboxProviderType, requires: string) {
		super(
			"precondition_failed",
			"SANDBOX_PROVIDER_NOT_CONFIGURED",
			`The ${provider} sandbox provider is not configured on this deployment: an operator must set ${requires} on the gateway`,
			{ provider, requires },
		);
	}
}

/** The organization's override with the deployment's default and providers (any member may read it). */
export async function getSandboxProviderSettings(
	deps: SandboxProviderDeps,
	params: OrgScope & { userId: string },
): Promise<SandboxProviderSettings> {
	const [override, deployment] = await Promise.all([
		getSandboxProviderOverride(deps.context, { organizationId: params.organizationId }),
		callGateway(() => gatewayClient(deps.gateway, params).listSandboxProviders()),
	]);
	return {
		override,
		defaultProvider: deployment.defaultProvider,
		effectiveProvider: override ?? deployment.defaultProvider,
		providers: deployment.providers,
	};
}

/**
 * Sets the provider the organization's new sessions run on (owners and admins), or follows the
 * deployment default again with null. A provider must be configured on the deployment (asked of the
 * gateway); sessions already running or paused keep theirs. Audited when it changes.
 */
export async function chooseSandboxProvider(
	deps: SandboxProviderDeps,
	params: { actor: Actor; provider: SandboxProviderType | null },
): Promise<{ override: SandboxProviderType | null }> {
	const { actor, provider } = params;
	if (!can(actor.role, "sandbox_provider:update"))
		throw new PermissionDeniedError("choose the sandbox provider");
	if (provider) {
		const deployment = await callGateway(() => gatewayClient(deps.gateway, actor).listSandboxProviders());
		const offered = deployment.providers.find((candidate) => candidate.type === provider);
		if (!offered?.configured)
			throw new SandboxProviderNotConfiguredError(provider, offered?.requires ?? "its settings");
	}
	await withTransaction(deps.context.db, async (tx) => {
		const scope = { organizationId: actor.organizationId };
		const previous = await getSandboxProviderOverride({ db: tx }, scope);
		if (previous === provider) return;
		await setSandboxProviderOverride({ db: tx }, { ...scope, provider });
		await recordAuditEvent(tx, {
			action: "organization.sandbox_provider.changed",
			actorUserId: actor.userId,
			organizationId: actor.organizationId,
			targetType: "organization",
			targetId: actor.organizationId,
			metadata: { from: previous, to: provider },
		});
	});
	return { override: provider };
}
