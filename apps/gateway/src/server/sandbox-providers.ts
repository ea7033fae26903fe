import { SANDBOX_PROVIDER_SETTINGS, type SandboxProviderRegistry } from "@proliferate/sandbox";
import type { SandboxProviderType } from "@proliferate/shared";

/** What `GET /sandbox-providers` answers: the deployment's default and which providers it can run. */
export interface SandboxProvidersAnswer {
	defaultProvider: SandboxProviderType;
	providers: { type: SandboxProviderType; configured: boolean; requires: string }[];
}

const providerTypes: readonly SandboxProviderType[] = ["local", "e2b", "modal"];

/**
 * The deployment's providers as the registry sees them: every type, whether it is configured (an
 * organization may only pick a configured one) and the settings an operator sets to configure it.
 */
export function describeSandboxProviders(registry: SandboxProviderRegistry): SandboxProvidersAnswer {
	const configured = new Set(registry.configuredTypes());
	return {
		defaultProvider: registry.defaultType,
		providers: providerTypes.map((type) => ({
			type,
			configured: configured.has(type),
			requires: SANDBOX_PROVIDER_SETTINGS[type],
		})),
	};
}
