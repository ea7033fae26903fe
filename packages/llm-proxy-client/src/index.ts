import type { llm } from "@proliferate/services";
import { signServiceToken } from "@proliferate/shared/auth";

/** A minted key: the plaintext (shown once) and its record. */
export interface MintedVirtualKey {
	key: string;
	virtualKey: llm.VirtualKey;
}

export interface SpendPage {
	entries: llm.SpendRecord[];
	nextCursor: number;
}

export class LlmProxyApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = "LlmProxyApiError";
	}
}

/** Client of the LLM proxy's internal API (`apps/llm-proxy`), for platform services (gateway, billing). */
export function createLlmProxyClient(options: { baseUrl: string; adminSecret: string; service?: string }) {
	const base = options.baseUrl.replace(/\/+$/, "");
	async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
		const token = await signServiceToken(
			{ service: options.service ?? "platform", ttlSeconds: 60 },
			options.adminSecret,
		);
		const response = await fetch(`${base}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
			signal: AbortSignal.timeout(15_000),
		});
		const payload = (await response.json().catch(() => ({}))) as {
			error?: { code?: string; message?: string };
		};
		if (!response.ok)
			throw new LlmProxyApiError(
				response.status,
				payload.error?.code ?? "HTTP_ERROR",
				`LLM proxy ${method} ${path}: ${payload.error?.message ?? response.statusText}`,
			);
		return payload as T;
	}
	return {
		mintKey: (input: {
			organizationId: string;
			sessionId?: string | null;
			name?: string;
			ttlSeconds?: number | null;
			allowedModels?: string[] | null;
			budgetUsd?: number | null;
		}) => call<MintedVirtualKey>("POST", "/internal/keys", input),
		revokeKeys: (input: { organizationId: string; keyId?: string; sessionId?: string }) =>
			call<{ revoked: MintedVirtualKey["virtualKey"][] }>("POST", "/internal/keys/revoke", input),
		spendSince: (input: {
			cursor: number;
			limit?: number;
			organizationId?: string;
			sessionId?: string;
			flush?: boolean;
		}) => {
			const query = new URLSearchParams({ cursor: String(input.cursor) });
			if (input.limit) query.set("limit", String(input.limit));
			if (input.organizationId) query.set("organizationId", input.organizationId);
			if (input.sessionId) query.set("sessionId", input.sessionId);
			if (input.flush) query.set("flush", "true");
			return call<SpendPage>("GET", `/internal/spend?${query}`);
		},
		setOrganizationBudget: (input: { organizationId: string; monthlyBudgetUsd: number | null }) =>
			call<{ organizationId: string; monthlyBudgetUsd: number | null }>(
				"PUT",
				`/internal/organizations/${encodeURIComponent(input.organizationId)}/budget`,
				{ monthlyBudgetUsd: input.monthlyBudgetUsd },
			),
	};
}

export type LlmProxyClient = ReturnType<typeof createLlmProxyClient>;
