import { describe, expect, it } from "vitest";
import {
	createSandboxProvider,
	type SandboxProviderEnv,
	SandboxProviderRegistry,
	sandboxProvidersConfigFromEnv,
} from "./factory";
import { E2BSandboxProvider } from "./providers/e2b/e2b-provider";
import { ModalSandboxProvider } from "./providers/modal/modal-provider";

const base: SandboxProviderEnv = { SANDBOX_PROVIDER: "local", SANDBOX_TIMEOUT_SECONDS: 3600 };

describe("sandbox provider selection", () => {
	it("configures E2B and Modal only when their credentials are present", () => {
		expect(sandboxProvidersConfigFromEnv(base)).toEqual({
			defaultProvider: "local",
			local: undefined,
			e2b: undefined,
			modal: undefined,
		});
		const config = sandboxProvidersConfigFromEnv({
			...base,
			SANDBOX_PROVIDER: "e2b",
			E2B_API_KEY: "e2b_key",
			E2B_TEMPLATE: "proliferate",
			MODAL_TOKEN_ID: "ak-1",
			MODAL_TOKEN_SECRET: "as-1",
			MODAL_IMAGE_ID: "im-1",
		});
		expect(config.e2b).toMatchObject({
			apiKey: "e2b_key",
			template: "proliferate",
			defaultLifetimeSeconds: 3600,
		});
		expect(config.modal).toMatchObject({ tokenId: "ak-1", imageId: "im-1", appName: "proliferate-sandbox" });
		expect(createSandboxProvider("e2b", config)).toBeInstanceOf(E2BSandboxProvider);
		expect(createSandboxProvider("modal", config)).toBeInstanceOf(ModalSandboxProvider);
	});

	it("refuses an unconfigured provider naming the settings it needs", () => {
		const config = sandboxProvidersConfigFromEnv(base);
		expect(() => createSandboxProvider("e2b", config)).toThrow(/E2B_API_KEY and E2B_TEMPLATE/);
		expect(() => createSandboxProvider("modal", config)).toThrow(/MODAL_TOKEN_ID/);
		expect(() => createSandboxProvider("local", config)).toThrow(/local provider is not configured/);
		// Half-configured E2B (no template) fails at construction with a clear message.
		expect(() =>
			createSandboxProvider("e2b", sandboxProvidersConfigFromEnv({ ...base, E2B_API_KEY: "k" })),
		).toThrow(/E2B_TEMPLATE/);
	});

	it("applies the per-organization override and reuses one instance per type", () => {
		const registry = new SandboxProviderRegistry(
			sandboxProvidersConfigFromEnv({
				...base,
				SANDBOX_PROVIDER: "e2b",
				E2B_API_KEY: "e2b_key",
				E2B_TEMPLATE: "t",
				MODAL_TOKEN_ID: "ak-1",
				MODAL_TOKEN_SECRET: "as-1",
				MODAL_IMAGE: "ghcr.io/proliferate/sandbox:latest",
			}),
		);
		expect(registry.configuredTypes()).toEqual(["e2b", "modal"]);
		expect(registry.forOrganization(null).type).toBe("e2b");
		expect(registry.forOrganization("modal").type).toBe("modal");
		expect(registry.forOrganization("modal")).toBe(registry.get("modal"));
		expect(() => registry.forOrganization("local")).toThrow(/not configured/);
	});

	it("counts only complete configurations as configured", () => {
		const registry = new SandboxProviderRegistry(
			sandboxProvidersConfigFromEnv({
				...base,
				// E2B without a template, Modal with a malformed token: neither can run a sandbox.
				E2B_API_KEY: "e2b_key",
				MODAL_TOKEN_ID: "not-a-token",
				MODAL_TOKEN_SECRET: "as-1",
				MODAL_IMAGE_ID: "im-1",
			}),
		);
		expect(registry.configuredTypes()).toEqual([]);
		expect(() => registry.get("e2b")).toThrow(/E2B_TEMPLATE/);
	});
});
