import { z } from "zod";
import { httpUrl, port, secret } from "./helpers";

export const gatewayKeys = {
	// ── Gateway
	/** Port of the gateway (HTTP + WebSocket). */
	GATEWAY_PORT: port(4100),
	/** Public URL of the gateway as browsers (and remote sandboxes, for the agent's platform tools) reach it. */
	GATEWAY_URL: httpUrl().default("http://localhost:4100"),
	/** HS256 secret shared by the web app (which mints user tokens) and the gateway (which verifies them). */
	GATEWAY_JWT_SECRET: secret(),
	/** Secret for service-to-service tokens and for deriving per-sandbox tokens. */
	SERVICE_TO_SERVICE_SECRET: secret(),
	/** Identifies this gateway instance in ownership leases (defaults to hostname:pid). */
	GATEWAY_INSTANCE_ID: z.string().optional(),
	/**
	 * Seconds a session's ownership lease lasts without renewal (renewed every third of it): how long
	 * another instance waits before taking over the sessions of one that stopped answering.
	 */
	GATEWAY_LEASE_TTL_SECONDS: z.coerce.number().min(1).max(300).default(15),
	/** Seconds without clients or work before a session pauses. */
	SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(300),
	/** OpenAI-compatible endpoint OpenCode uses when the gateway has no LLM_PROXY_ADMIN_SECRET (else LLM_PROXY_URL/v1). */
	AGENT_LLM_BASE_URL: httpUrl().default("http://127.0.0.1:4300/v1"),
	/** API key OpenCode sends to AGENT_LLM_BASE_URL (with the proxy, each session gets its own virtual key instead). */
	AGENT_LLM_API_KEY: z.string().default("scripted-demo"),
	/** Model id and label sessions use by default. */
	AGENT_MODEL_ID: z.string().min(1).default("demo"),
	AGENT_MODEL_LABEL: z.string().min(1).default("Scripted demo model"),
} satisfies z.ZodRawShape;
