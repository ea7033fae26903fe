import type { SandboxProviderType } from "@proliferate/shared";
import { recordAuditEvent } from "../audit/service";
import type { ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { PermissionDeniedError, SandboxProviderNotConfiguredError } from "./errors";
import type { Actor } from "./members";
import { can } from "./permissions";
import { getSandboxProviderOverride, setSandboxProviderOverride } from "./service";

/**
 * The rules and rows of an organization's sandbox provider choice. Which providers the deployment
 * offers is the gateway's to say; callers ask it (`GET /sandbox-providers`) and pass its answer in.
 */

/** One provider as the deployment has it (the gateway's `GET /sandbox-providers`). */
export interface DeploymentSandboxProvider {
	type: SandboxProviderType;
	configured: boolean;
	/** The settings an operator sets on the gateway to configure it. */
	requires: string;
}

/** What the deployment offers: its default (`SANDBOX_PROVIDER`) and every provider type. */
export interface DeploymentSandboxProviders {
	defaultProvider: SandboxProviderType;
	providers: DeploymentSandboxProvider[];
}

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

export function toSandboxProviderSettings(
	override: SandboxProviderType | null,
	deployment: DeploymentSandboxProviders,
): SandboxProviderSettings {
	return {
		override,
		defaultProvider: deployment.defaultProvider,
		effectiveProvider: override ?? deployment.defaultProvider,
		providers: deployment.providers,
	};
}

/** Owners and admins choose the provider; checked before anything else is asked. */
export function assertCanChooseSandboxProvider(actor: Actor): void {
	if (!can(actor.role, "sandbox_provider:update"))
		throw new PermissionDeniedError("choose the sandbox provider");
}

/** A provider can be chosen only when the deployment has configured it. */
export function assertSandboxProviderOffered(
	deployment: DeploymentSandboxProviders,
	provider: SandboxProviderType,
): void {
	const offered = deployment.providers.find((candidate) => candidate.type === provider);
	if (!offered?.configured)
		throw new SandboxProviderNotConfiguredError(provider, offered?.requires ?? "its settings");
}

/**
 * Stores the provider the organization's new sessions run on (null: the deployment default again),
 * audited when it changes. Callers have checked that the deployment offers it
 * (`assertSandboxProviderOffered`); sessions already running or paused keep theirs.
 */
export async function saveSandboxProviderChoice(
	context: ServiceContext,
	params: { actor: Actor; provider: SandboxProviderType | null },
): Promise<{ override: SandboxProviderType | null }> {
	const { actor, provider } = params;
	assertCanChooseSandboxProvider(actor);
	await withTransaction(context.db, async (tx) => {
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
