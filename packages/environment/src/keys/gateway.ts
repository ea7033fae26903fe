import { z } from "zod";
import { count, httpUrl, port, secret } from "./helpers";

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
	// ── Gateway WebSocket limits (per connection). Stream: the session stream; relay: terminal and
	// preview sockets, relayed to sandbox-mcp or a sandbox port. Over a frame limit a socket closes
	// with 1009; over its rate a frame is dropped, and `…_RATE_STRIKES` refusals in a row close it (1008).
	/** Largest stream frame; the client library refuses larger ones itself at 256 KiB (MAX_CLIENT_FRAME_BYTES). */
	GATEWAY_WS_STREAM_MAX_FRAME_BYTES: count(256 * 1024),
	/** Frames (and bytes) a stream client may send before its authentication finishes; more closes 1008. */
	GATEWAY_WS_STREAM_MAX_PENDING_FRAMES: count(64, 0),
	GATEWAY_WS_STREAM_MAX_PENDING_BYTES: count(4 * 1024 * 1024, 0),
	/** Stream token bucket: frames at once, refilled per second, refusals in a row before closing. */
	GATEWAY_WS_STREAM_RATE_BURST: count(60),
	GATEWAY_WS_STREAM_RATE_PER_SECOND: count(30),
	GATEWAY_WS_STREAM_RATE_STRIKES: count(30),
	/** Largest terminal or preview frame from the browser (sandbox-mcp's own terminal limit is 128 KiB). */
	GATEWAY_WS_RELAY_MAX_FRAME_BYTES: count(1024 * 1024),
	GATEWAY_WS_RELAY_RATE_BURST: count(400),
	GATEWAY_WS_RELAY_RATE_PER_SECOND: count(200),
	GATEWAY_WS_RELAY_RATE_STRIKES: count(200),
} satisfies z.ZodRawShape;
