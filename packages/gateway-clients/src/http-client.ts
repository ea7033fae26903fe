import type { SandboxProviderType } from "@proliferate/shared/sandbox";
import { type GatewayAuth, resolveToken } from "./auth";

export class GatewayRequestError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly details?: Record<string, unknown>,
	) {
		super(message);
		this.name = "GatewayRequestError";
	}
}

export interface GatewaySessionSummary {
	id: string;
	organizationId: string;
	status: string;
	title: string;
	repoId: string | null;
	[key: string]: unknown;
}

/** The deployment's sandbox providers (`GET /sandbox-providers`). */
export interface GatewaySandboxProviders {
	/** `SANDBOX_PROVIDER`: what new sessions use when their organization chose nothing. */
	defaultProvider: SandboxProviderType;
	/** Every provider type; only configured ones can run sessions. */
	providers: {
		type: SandboxProviderType;
		configured: boolean;
		/** The settings an operator sets on the gateway to configure it. */
		requires: string;
	}[];
}

/**
 * Per-call options of the calls that take an `Idempotency-Key` (1–200 printable ASCII characters):
 * a repeat with the same key and body within 24 h returns the first result instead of acting again.
 */
export interface IdempotentCallOptions {
	idempotencyKey?: string;
}

/** What `supervise` did: nothing (served, or not active), adopted (booted here), paused, or failed (sandbox gone). */
export interface SuperviseOutcome {
	action: "none" | "adopted" | "paused" | "failed";
	status?: string;
	reason?: string;
	snapshotId?: string | null;
	/** Adopted a new session whose initial prompt never reached its log: sent now. */
	initialPromptSent?: boolean;
}

export interface GatewayHttpClient {
	createSession(
		input: {
			repoId?: string;
			title?: string;
			initialPrompt?: string;
			branch?: string;
			modelId?: string;
			kind?: "setup" | "coding" | "automation";
		},
		options?: IdempotentCallOptions,
	): Promise<{ session: GatewaySessionSummary }>;
	postMessage(
		sessionId: string,
		input: { content: string; images?: string[]; source?: string },
		options?: IdempotentCallOptions,
	): Promise<{ messageId: string }>;
	cancel(sessionId: string): Promise<void>;
	getStatus(sessionId: string): Promise<{
		sessionId: string;
		status: string;
		statusReason: string | null;
		runtimeReady: boolean;
		clients: number;
		lastSeq: number;
	}>;
	pause(sessionId: string): Promise<{ snapshotId: string }>;
	resume(sessionId: string): Promise<void>;
	/**
	 * Services only (the worker's session watch): the session's gateway is gone; the gateway that
	 * answers takes it and adopts it (a turn was running or its boot never finished) or pauses it.
	 */
	supervise(sessionId: string, check: "idle" | "expiry"): Promise<SuperviseOutcome>;
	snapshot(sessionId: string): Promise<{ snapshotId: string }>;
	terminate(sessionId: string): Promise<void>;
	/** A public, unguessable link to a port of the session's sandbox (e.g. the dev server). */
	createPreviewLink(sessionId: string, port: number): Promise<{ token: string; url: string; port: number }>;
	/** Revokes one link, or every link of the session when no token is given. */
	revokePreviewLinks(sessionId: string, token?: string): Promise<{ revoked: number }>;
	/** Which sandbox providers the deployment has configured, and its default. */
	listSandboxProviders(): Promise<GatewaySandboxProviders>;
}

/** Typed client for the gateway's HTTP routes (lifecycle operations; streaming is `connect`). */
export function createGatewayHttpClient(options: {
	baseUrl: string;
	auth: GatewayAuth;
	/** For service tokens: the organization the call acts for. */
	organizationId?: string;
	fetch?: typeof fetch;
}): GatewayHttpClient {
	const doFetch = options.fetch ?? fetch;
	async function call<T>(
		method: string,
		path: string,
		body?: unknown,
		callOptions: IdempotentCallOptions = {},
	): Promise<T> {
		const headers: Record<string, string> = { authorization: `Bearer ${await resolveToken(options.auth)}` };
		if (body !== undefined) headers["content-type"] = "application/json";
		if (callOptions.idempotencyKey !== undefined) headers["idempotency-key"] = callOptions.idempotencyKey;
		if (options.organizationId) headers["x-organization-id"] = options.organizationId;
		const response = await doFetch(`${options.baseUrl.replace(/\/$/, "")}${path}`, {
			method,
			headers,
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		});
		const text = await response.text();
		const parsed = text ? (JSON.parse(text) as unknown) : undefined;
		if (!response.ok) {
			const error = (
				parsed as
					| { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
					| undefined
			)?.error;
			throw new GatewayRequestError(
				response.status,
				error?.code ?? "HTTP_ERROR",
				error?.message ?? `Gateway answered ${response.status}`,
				error?.details,
			);
		}
		return parsed as T;
	}
	const id = (sessionId: string) => encodeURIComponent(sessionId);
	return {
		createSession: (input, callOptions) => call("POST", "/sessions", input, callOptions),
		postMessage: (sessionId, input, callOptions) =>
			call("POST", `/sessions/${id(sessionId)}/message`, input, callOptions),
		cancel: async (sessionId) => {
			await call("POST", `/sessions/${id(sessionId)}/cancel`);
		},
		getStatus: (sessionId) => call("GET", `/sessions/${id(sessionId)}/status`),
		pause: (sessionId) => call("POST", `/sessions/${id(sessionId)}/pause`),
		resume: async (sessionId) => {
			await call("POST", `/sessions/${id(sessionId)}/resume`);
		},
		supervise: (sessionId, check) => call("POST", `/sessions/${id(sessionId)}/supervise`, { check }),
		snapshot: (sessionId) => call("POST", `/sessions/${id(sessionId)}/snapshot`),
		createPreviewLink: (sessionId, port) =>
			call("POST", `/sessions/${id(sessionId)}/preview-links`, { port }),
		revokePreviewLinks: (sessionId, token) =>
			call(
				"DELETE",
				`/sessions/${id(sessionId)}/preview-links${token ? `/${encodeURIComponent(token)}` : ""}`,
			),
		terminate: async (sessionId) => {
			await call("POST", `/sessions/${id(sessionId)}/terminate`);
		},
		listSandboxProviders: () => call("GET", "/sandbox-providers"),
	};
}
