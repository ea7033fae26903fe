import type { Logger } from "@proliferate/logger";
import { type SandboxProvider, SandboxProviderError, type SandboxProviderType } from "@proliferate/shared";
import { type E2BProviderConfig, E2BSandboxProvider } from "./providers/e2b/e2b-provider";
import { type LocalProviderConfig, LocalSandboxProvider } from "./providers/local/index";
import { type ModalProviderConfig, ModalSandboxProvider } from "./providers/modal/modal-provider";

/** Configuration of every provider a deployment may use; only the configured ones can be selected. */
export interface SandboxProvidersConfig {
	/** The deployment's `SANDBOX_PROVIDER`. */
	defaultProvider: SandboxProviderType;
	local?: LocalProviderConfig;
	e2b?: E2BProviderConfig;
	modal?: ModalProviderConfig;
}

/** The environment keys the providers read (a subset of packages/environment's schema). */
export interface SandboxProviderEnv {
	SANDBOX_PROVIDER: SandboxProviderType;
	SANDBOX_TIMEOUT_SECONDS: number;
	E2B_API_KEY?: string;
	E2B_DOMAIN?: string;
	E2B_API_URL?: string;
	E2B_SANDBOX_URL?: string;
	E2B_PORT_URL_TEMPLATE?: string;
	E2B_TEMPLATE?: string;
	MODAL_TOKEN_ID?: string;
	MODAL_TOKEN_SECRET?: string;
	MODAL_APP_NAME?: string;
	MODAL_ENVIRONMENT?: string;
	MODAL_IMAGE_ID?: string;
	MODAL_IMAGE?: string;
	/** Read by the Modal SDK itself from the process environment (not passed here). */
	MODAL_SERVER_URL?: string;
}

/**
 * Provider configuration from the environment. E2B is configured when `E2B_API_KEY` is set, Modal
 * when its token is; the local provider needs host paths, so the caller passes its configuration.
 */
export function sandboxProvidersConfigFromEnv(
	env: SandboxProviderEnv,
	extras: { local?: LocalProviderConfig; logger?: Logger } = {},
): SandboxProvidersConfig {
	const common = { defaultLifetimeSeconds: env.SANDBOX_TIMEOUT_SECONDS };
	return {
		defaultProvider: env.SANDBOX_PROVIDER,
		local: extras.local,
		e2b: env.E2B_API_KEY
			? {
					...common,
					apiKey: env.E2B_API_KEY,
					template: env.E2B_TEMPLATE ?? "",
					domain: env.E2B_DOMAIN,
					apiUrl: env.E2B_API_URL,
					sandboxUrl: env.E2B_SANDBOX_URL,
					portUrlTemplate: env.E2B_PORT_URL_TEMPLATE,
					logger: extras.logger?.child({ module: "e2b" }),
				}
			: undefined,
		modal:
			env.MODAL_TOKEN_ID || env.MODAL_TOKEN_SECRET
				? {
						...common,
						tokenId: env.MODAL_TOKEN_ID,
						tokenSecret: env.MODAL_TOKEN_SECRET,
						appName: env.MODAL_APP_NAME ?? "proliferate-sandbox",
						environment: env.MODAL_ENVIRONMENT,
						imageId: env.MODAL_IMAGE_ID,
						imageTag: env.MODAL_IMAGE,
						logger: extras.logger?.child({ module: "modal" }),
					}
				: undefined,
	};
}

/** What an operator must set for each provider to be configured (in errors and the settings page). */
export const CREDENTIALS: Record<SandboxProviderType, string> = {
	local: "the local provider's data directory",
	e2b: "E2B_API_KEY and E2B_TEMPLATE",
	modal: "MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE)",
};

/** Build one provider; throws a clear configuration error when its settings are missing. */
export function createSandboxProvider(
	type: SandboxProviderType,
	config: SandboxProvidersConfig,
): SandboxProvider {
	switch (type) {
		case "local":
			if (config.local) return new LocalSandboxProvider(config.local);
			break;
		case "e2b":
			if (config.e2b) return new E2BSandboxProvider(config.e2b);
			break;
		case "modal":
			if (config.modal) return new ModalSandboxProvider(config.modal);
			break;
	}
	throw new SandboxProviderError(
		type,
		"configure",
		`the ${type} provider is not configured: set ${CREDENTIALS[type]}`,
	);
}

/**
 * One provider instance per type, built on first use: the deployment default for new sessions,
 * an organization's override when it has one, and the session's recorded provider on resume.
 */
export class SandboxProviderRegistry {
	private readonly providers = new Map<SandboxProviderType, SandboxProvider>();

	/** `instances`: providers built by the caller (tests, a local provider shared with other code). */
	constructor(
		private readonly config: SandboxProvidersConfig,
		instances: Partial<Record<SandboxProviderType, SandboxProvider>> = {},
	) {
		for (const [type, provider] of Object.entries(instances)) {
			if (provider) this.providers.set(type as SandboxProviderType, provider);
		}
	}

	get defaultType(): SandboxProviderType {
		return this.config.defaultProvider;
	}

	/**
	 * Types whose configuration is complete (a per-org override may only pick one of these): each
	 * is built here, so half a configuration (an E2B key without a template) does not count.
	 */
	configuredTypes(): SandboxProviderType[] {
		return (["local", "e2b", "modal"] as const).filter((type) => {
			try {
				this.get(type);
				return true;
			} catch {
				return false;
			}
		});
	}

	get(type: SandboxProviderType = this.config.defaultProvider): SandboxProvider {
		let provider = this.providers.get(type);
		if (!provider) {
			provider = createSandboxProvider(type, this.config);
			this.providers.set(type, provider);
		}
		return provider;
	}

	/** The provider for an organization's new session: its override, else the deployment default. */
	forOrganization(override: SandboxProviderType | null | undefined): SandboxProvider {
		return this.get(override ?? this.config.defaultProvider);
	}

	async shutdown(): Promise<void> {
		for (const provider of this.providers.values()) {
			if (provider instanceof LocalSandboxProvider) await provider.shutdown();
		}
		this.providers.clear();
	}
}
