import { SandboxProviderRegistry, sandboxProvidersConfigFromEnv } from "@proliferate/sandbox";
import { describe, expect, it } from "vitest";
import { describeSandboxProviders } from "./sandbox-providers";

const base = { SANDBOX_TIMEOUT_SECONDS: 3600 };

describe("describeSandboxProviders", () => {
	it("lists every provider with the registry's configuration, its default and the settings each needs", () => {
		const registry = new SandboxProviderRegistry(
			sandboxProvidersConfigFromEnv({
				...base,
				SANDBOX_PROVIDER: "modal",
				MODAL_TOKEN_ID: "ak-1",
				MODAL_TOKEN_SECRET: "as-1",
				MODAL_IMAGE_ID: "im-1",
			}),
		);
		expect(describeSandboxProviders(registry)).toEqual({
			defaultProvider: "modal",
			providers: [
				{ type: "local", configured: false, requires: "the local provider's data directory" },
				{ type: "e2b", configured: false, requires: "E2B_API_KEY and E2B_TEMPLATE" },
				{
					type: "modal",
					configured: true,
					requires: "MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE)",
				},
			],
		});
	});

	it("uses the same wording as the error a session gets on an unconfigured provider", () => {
		const registry = new SandboxProviderRegistry(
			sandboxProvidersConfigFromEnv({ ...base, SANDBOX_PROVIDER: "local" }),
		);
		const e2b = describeSandboxProviders(registry).providers.find((provider) => provider.type === "e2b");
		expect(e2b?.configured).toBe(false);
		expect(() => registry.get("e2b")).toThrow(`set ${e2b?.requires}`);
	});
});
