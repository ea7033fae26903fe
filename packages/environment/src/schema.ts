import { z } from "zod";

/**
 * Every configuration key of the platform, in one place.
 *
 * Each app parses the subset it needs (see `./apps.ts`) at boot and fails fast naming every
 * bad or missing key. Defaults are given only where they are safe for a self-hosted deployment;
 * secrets never have defaults (`make start` generates local ones under `.proliferate/`).
 */

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const booleanFlag = (fallback: boolean) =>
	z
		.enum(["true", "false", "1", "0", "yes", "no"])
		.default(fallback ? "true" : "false")
		.transform((value) => value === "true" || value === "1" || value === "yes");
const secret = (minLength = 32) =>
	z
		.string()
		.min(minLength, `must be at least ${minLength} characters (generate one with: openssl rand -hex 32)`);
const urlWithProtocols = (protocols: string[]) =>
	z.string().refine(
		(value) => {
			try {
				const parsed = new URL(value);
				return protocols.includes(parsed.protocol.replace(/:$/, ""));
			} catch {
				return false;
			}
		},
		`must be a URL starting with ${protocols.map((protocol) => `${protocol}://`).join(" or ")}`,
	);
const httpUrl = () => urlWithProtocols(["http", "https"]);

export const envSchema = z.object({
	// ── Runtime ───────────────────────────────────────────────────────────────
	/** development | test | production. Production refuses unsafe local defaults. */
	NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
	/** pino log level. */
	LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
	/** Directory for local state: embedded Postgres data, snapshots, artifacts, sandboxes. */
	PROLIFERATE_DATA_DIR: z.string().min(1).default(".proliferate"),

	// ── Data stores ───────────────────────────────────────────────────────────
	/** PostgreSQL connection string (metadata only). */
	DATABASE_URL: urlWithProtocols(["postgres", "postgresql"]),
	/** Redis connection string (leases, event log, pub/sub, BullMQ). */
	REDIS_URL: urlWithProtocols(["redis", "rediss"]),
	/** Prefix for every Redis key and BullMQ queue, so deployments (and tests) can share a Redis. */
	REDIS_KEY_PREFIX: z.string().min(1).default("proliferate"),

	// ── Web app ───────────────────────────────────────────────────────────────
	/** Port of the Next.js web app. */
	WEB_PORT: port(3000),
	/** Public URL of the web app (used in emails, OAuth callbacks and links). */
	WEB_URL: httpUrl().default("http://localhost:3000"),
	/** Secret used by better-auth to sign cookies and tokens. */
	AUTH_SECRET: secret(),
	/** Comma-separated emails that are super-admins. */
	SUPER_ADMIN_EMAILS: z.string().default(""),
	/** Require email verification before sign-in. */
	AUTH_REQUIRE_EMAIL_VERIFICATION: booleanFlag(true),
	/** GitHub OAuth app for sign-in (optional). */
	GITHUB_OAUTH_CLIENT_ID: z.string().optional(),
	GITHUB_OAUTH_CLIENT_SECRET: z.string().optional(),
	/** SMTP URL (smtp://user:pass@host:port) for outgoing mail; the local outbox is used when unset. */
	SMTP_URL: urlWithProtocols(["smtp", "smtps"]).optional(),
	/** From address of outgoing mail. */
	MAIL_FROM: z.string().default("Proliferate <noreply@proliferate.local>"),

	// ── Gateway ───────────────────────────────────────────────────────────────
	/** Port of the gateway (HTTP + WebSocket). */
	GATEWAY_PORT: port(4100),
	/** Public URL of the gateway as browsers reach it. */
	GATEWAY_URL: httpUrl().default("http://localhost:4100"),
	/** HS256 secret shared by the web app (which mints user tokens) and the gateway (which verifies them). */
	GATEWAY_JWT_SECRET: secret(),
	/** Secret for service-to-service tokens and for deriving per-sandbox tokens. */
	SERVICE_TO_SERVICE_SECRET: secret(),
	/** Identifies this gateway instance in ownership leases (defaults to hostname:pid). */
	GATEWAY_INSTANCE_ID: z.string().optional(),
	/** Seconds without clients or work before a session pauses. */
	SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(300),

	// ── LLM proxy ─────────────────────────────────────────────────────────────
	/** Port of the LLM proxy. */
	LLM_PROXY_PORT: port(4200),
	/** URL of the LLM proxy as services and sandboxes reach it. */
	LLM_PROXY_URL: httpUrl().default("http://127.0.0.1:4200"),
	/** Secret the platform uses to call the proxy's internal API (minting virtual keys). */
	LLM_PROXY_ADMIN_SECRET: secret(),
	/** Path to a JSON model catalog; the built-in catalog (scripted model + configured vendors) is used when unset. */
	LLM_MODEL_CATALOG_PATH: z.string().optional(),
	/** Upstream vendor keys (optional; the scripted model is used when none is set). */
	ANTHROPIC_API_KEY: z.string().optional(),
	OPENAI_API_KEY: z.string().optional(),
	OPENROUTER_API_KEY: z.string().optional(),
	/** Port of the built-in scripted model server. */
	SCRIPTED_MODEL_PORT: port(4300),

	// ── Sandboxes ─────────────────────────────────────────────────────────────
	/** Which provider runs sandboxes for this deployment (per-org override in settings). */
	SANDBOX_PROVIDER: z.enum(["local", "e2b", "modal"]).default("local"),
	/** Allow the local provider to run without bubblewrap isolation (development only, loudly warned). */
	SANDBOX_ALLOW_UNISOLATED: booleanFlag(false),
	/** Let sandboxes reach the internet through the egress proxy (never private or loopback ranges). */
	SANDBOX_ALLOW_INTERNET: booleanFlag(false),
	/** Maximum sandbox lifetime in seconds; the gateway migrates before it ends. */
	SANDBOX_TIMEOUT_SECONDS: z.coerce.number().int().min(60).default(3600),
	/** Number of pre-started sandboxes kept warm. */
	SANDBOX_WARM_POOL_SIZE: z.coerce.number().int().min(0).default(0),
	/** E2B credentials (required when SANDBOX_PROVIDER=e2b). */
	E2B_API_KEY: z.string().optional(),
	E2B_DOMAIN: z.string().optional(),
	E2B_TEMPLATE: z.string().optional(),
	/** Modal credentials (required when SANDBOX_PROVIDER=modal). */
	MODAL_TOKEN_ID: z.string().optional(),
	MODAL_TOKEN_SECRET: z.string().optional(),
	MODAL_APP_NAME: z.string().default("proliferate-sandbox"),
	MODAL_ENVIRONMENT: z.string().optional(),

	// ── Integrations ──────────────────────────────────────────────────────────
	/** GitHub API base URL (GitHub Enterprise or a test server). */
	GITHUB_API_URL: httpUrl().default("https://api.github.com"),
	/** Key used to encrypt secrets at rest (AES-256-GCM), 64 hex characters. */
	SECRETS_ENCRYPTION_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes)"),
});

export type Env = z.infer<typeof envSchema>;
export type EnvKey = keyof Env;
export const envShape = envSchema.shape;
