import type { LlmProxyClient } from "@proliferate/llm-proxy/client";

/** Where a session's OpenCode sends model requests, and with which key. */
export interface SessionLlmEndpoint {
	/** As this host reaches it (local sandboxes get it through a relay). */
	baseUrl: string;
	/** As sandboxes on other machines (E2B, Modal) reach it, when that differs from `baseUrl`. */
	publicBaseUrl?: string;
	apiKey: string;
}

/**
 * Gives each session its LLM endpoint. Through the proxy every boot gets its own virtual key
 * (limited to the session's model, expiring after the sandbox's lifetime), revoked when the
 * session pauses, migrates or ends.
 */
export interface LlmAccess {
	issue(scope: {
		organizationId: string;
		sessionId: string;
		modelId: string;
		ttlSeconds: number;
	}): Promise<SessionLlmEndpoint>;
	revoke(scope: { organizationId: string; sessionId: string }): Promise<void>;
}

/** One fixed endpoint and key for every session (no proxy configured: the scripted model or a vendor directly). */
export function staticLlmAccess(endpoint: SessionLlmEndpoint): LlmAccess {
	return { issue: async () => endpoint, revoke: async () => {} };
}

/**
 * Per-session virtual keys minted through the LLM proxy's internal API. `publicUrl`: the proxy's
 * address for remote sandboxes (LLM_PROXY_PUBLIC_URL), when they cannot use `proxyUrl`.
 */
export function proxyLlmAccess(client: LlmProxyClient, proxyUrl: string, publicUrl?: string): LlmAccess {
	const baseUrl = `${proxyUrl.replace(/\/+$/, "")}/v1`;
	const publicBaseUrl = publicUrl ? `${publicUrl.replace(/\/+$/, "")}/v1` : undefined;
	return {
		async issue(scope) {
			const minted = await client.mintKey({
				organizationId: scope.organizationId,
				sessionId: scope.sessionId,
				name: `session ${scope.sessionId}`,
				ttlSeconds: scope.ttlSeconds,
				allowedModels: [scope.modelId],
			});
			return { baseUrl, ...(publicBaseUrl ? { publicBaseUrl } : {}), apiKey: minted.key };
		},
		async revoke(scope) {
			await client.revokeKeys({ organizationId: scope.organizationId, sessionId: scope.sessionId });
		},
	};
}
