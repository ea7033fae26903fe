import { envSchema } from "./schema";

/** The keys each service reads. Adding a key: put it in schema.ts, then pick it here. */

/** Object storage (artifacts, run outputs): read by every process that stores or serves objects. */
const objectStoreKeys = {
	OBJECT_STORE: true,
	S3_BUCKET: true,
	S3_REGION: true,
	S3_ENDPOINT: true,
	S3_FORCE_PATH_STYLE: true,
	S3_ACCESS_KEY_ID: true,
	S3_SECRET_ACCESS_KEY: true,
	S3_KEY_PREFIX: true,
} as const;
/** The remote sandbox providers' settings (E2B, Modal): the gateway runs on them, the worker sweeps and fills them. */
const remoteProviderKeys = {
	E2B_API_KEY: true,
	E2B_DOMAIN: true,
	E2B_API_URL: true,
	E2B_SANDBOX_URL: true,
	E2B_PORT_URL_TEMPLATE: true,
	E2B_TEMPLATE: true,
	MODAL_TOKEN_ID: true,
	MODAL_TOKEN_SECRET: true,
	MODAL_APP_NAME: true,
	MODAL_ENVIRONMENT: true,
	MODAL_IMAGE_ID: true,
	MODAL_IMAGE: true,
	MODAL_SERVER_URL: true,
} as const;

export const databaseEnvSchema = envSchema.pick({
	NODE_ENV: true,
	LOG_LEVEL: true,
	DATABASE_URL: true,
});

export const workerEnvSchema = envSchema.pick({
	NODE_ENV: true,
	LOG_LEVEL: true,
	PROLIFERATE_DATA_DIR: true,
	DATABASE_URL: true,
	REDIS_URL: true,
	REDIS_KEY_PREFIX: true,
	WORKER_HEALTH_PORT: true,
	WORKER_CONCURRENCY: true,
	WORKER_QUEUE_CONCURRENCY: true,
	WORKER_QUEUES: true,
	OUTBOX_BATCH_SIZE: true,
	OUTBOX_LEASE_MS: true,
	OUTBOX_POLL_INTERVAL_MS: true,
	SANDBOX_SWEEP_INTERVAL_SECONDS: true,
	SANDBOX_SWEEP_ORPHAN_GRACE_SECONDS: true,
	SANDBOX_SWEEP_LOCAL: true,
	SNAPSHOT_RETENTION_DAYS: true,
	WARM_POOL_REFILL_INTERVAL_SECONDS: true,
	// The providers it asks (sweeper, retention) and fills (remote warm pools), as the gateway has them.
	SANDBOX_PROVIDER: true,
	SANDBOX_ALLOW_UNISOLATED: true,
	SANDBOX_TIMEOUT_SECONDS: true,
	SANDBOX_WARM_POOL_SIZE: true,
	...remoteProviderKeys,
	WORKER_SESSION_WATCH_INTERVAL_MS: true,
	WORKER_STALLED_BOOT_SECONDS: true,
	// The session watch reaches a gateway with a service token and uses the gateway's idle timeout.
	GATEWAY_URL: true,
	GATEWAY_JWT_SECRET: true,
	SERVICE_TO_SERVICE_SECRET: true,
	SESSION_IDLE_TIMEOUT_SECONDS: true,
	...objectStoreKeys,
});

export const gatewayEnvSchema = envSchema
	.pick({
		NODE_ENV: true,
		LOG_LEVEL: true,
		PROLIFERATE_DATA_DIR: true,
		DATABASE_URL: true,
		REDIS_URL: true,
		REDIS_KEY_PREFIX: true,
		GATEWAY_PORT: true,
		GATEWAY_URL: true,
		GATEWAY_JWT_SECRET: true,
		SERVICE_TO_SERVICE_SECRET: true,
		GATEWAY_INSTANCE_ID: true,
		SESSION_IDLE_TIMEOUT_SECONDS: true,
		GATEWAY_LEASE_TTL_SECONDS: true,
		GATEWAY_WS_STREAM_MAX_FRAME_BYTES: true,
		GATEWAY_WS_STREAM_MAX_PENDING_FRAMES: true,
		GATEWAY_WS_STREAM_MAX_PENDING_BYTES: true,
		GATEWAY_WS_STREAM_RATE_BURST: true,
		GATEWAY_WS_STREAM_RATE_PER_SECOND: true,
		GATEWAY_WS_STREAM_RATE_STRIKES: true,
		GATEWAY_WS_RELAY_MAX_FRAME_BYTES: true,
		GATEWAY_WS_RELAY_RATE_BURST: true,
		GATEWAY_WS_RELAY_RATE_PER_SECOND: true,
		GATEWAY_WS_RELAY_RATE_STRIKES: true,
		SANDBOX_PROVIDER: true,
		SANDBOX_ALLOW_UNISOLATED: true,
		SANDBOX_TIMEOUT_SECONDS: true,
		AGENT_LLM_BASE_URL: true,
		AGENT_LLM_API_KEY: true,
		AGENT_MODEL_ID: true,
		AGENT_MODEL_LABEL: true,
		LLM_PROXY_URL: true,
		LLM_PROXY_PUBLIC_URL: true,
		SANDBOX_ALLOW_INTERNET: true,
		SANDBOX_EGRESS_ALLOW_CIDRS: true,
		SANDBOX_MEMORY_MB: true,
		SANDBOX_MAX_PROCESSES: true,
		SANDBOX_DISK_MB: true,
		SANDBOX_CPU_SHARES: true,
		SANDBOX_WARM_POOL_SIZE: true,
		...remoteProviderKeys,
		GITHUB_API_URL: true,
		GITHUB_APP_ID: true,
		GITHUB_APP_PRIVATE_KEY: true,
		...objectStoreKeys,
	})
	// Without the proxy's admin secret the gateway gives OpenCode AGENT_LLM_BASE_URL/AGENT_LLM_API_KEY directly;
	// without the encryption key it cannot open GitHub connections (pull requests say GitHub is not configured).
	.extend({
		LLM_PROXY_ADMIN_SECRET: envSchema.shape.LLM_PROXY_ADMIN_SECRET.optional(),
		SECRETS_ENCRYPTION_KEY: envSchema.shape.SECRETS_ENCRYPTION_KEY.optional(),
		SECRETS_ENCRYPTION_KEYS_PREVIOUS: envSchema.shape.SECRETS_ENCRYPTION_KEYS_PREVIOUS,
	});

/** `make secrets-reseal`: the database and every key that may have sealed a stored secret. */
export const secretsResealEnvSchema = envSchema.pick({
	NODE_ENV: true,
	LOG_LEVEL: true,
	DATABASE_URL: true,
	SECRETS_ENCRYPTION_KEY: true,
	SECRETS_ENCRYPTION_KEYS_PREVIOUS: true,
});

export const llmProxyEnvSchema = envSchema.pick({
	NODE_ENV: true,
	LOG_LEVEL: true,
	DATABASE_URL: true,
	REDIS_URL: true,
	REDIS_KEY_PREFIX: true,
	LLM_PROXY_PORT: true,
	LLM_PROXY_ADMIN_SECRET: true,
	LLM_MODEL_CATALOG: true,
	LLM_MODEL_CATALOG_PATH: true,
	LLM_SPEND_FLUSH_INTERVAL_MS: true,
	LLM_SPEND_FLUSH_SIZE: true,
	LLM_PROXY_MAX_BODY_BYTES: true,
	SCRIPTED_MODEL_PORT: true,
});

export const webEnvSchema = envSchema
	.pick({
		NODE_ENV: true,
		LOG_LEVEL: true,
		DATABASE_URL: true,
		WEB_URL: true,
		AUTH_SECRET: true,
		SUPER_ADMIN_EMAILS: true,
		AUTH_REQUIRE_EMAIL_VERIFICATION: true,
		GITHUB_OAUTH_CLIENT_ID: true,
		GITHUB_OAUTH_CLIENT_SECRET: true,
		GITHUB_OAUTH_URL: true,
		SMTP_URL: true,
		MAIL_FROM: true,
		DEV_OUTBOX_ENABLED: true,
		GATEWAY_URL: true,
		GATEWAY_JWT_SECRET: true,
		SERVICE_TO_SERVICE_SECRET: true,
		GITHUB_API_URL: true,
		GITHUB_APP_ID: true,
		GITHUB_APP_PRIVATE_KEY: true,
		GITHUB_APP_SLUG: true,
		GITHUB_APP_CLIENT_ID: true,
		GITHUB_APP_CLIENT_SECRET: true,
		SANDBOX_PROVIDER: true,
		AGENT_MODEL_ID: true,
		AGENT_MODEL_LABEL: true,
		ANTHROPIC_API_KEY: true,
		OPENAI_API_KEY: true,
		OPENROUTER_API_KEY: true,
	})
	// Needed to seal GitHub connection tokens; without it the integrations page says so. Redis is
	// read only by the operations view (queue depths, failed jobs); without it the view says so.
	.extend({
		SECRETS_ENCRYPTION_KEY: envSchema.shape.SECRETS_ENCRYPTION_KEY.optional(),
		SECRETS_ENCRYPTION_KEYS_PREVIOUS: envSchema.shape.SECRETS_ENCRYPTION_KEYS_PREVIOUS,
		REDIS_URL: envSchema.shape.REDIS_URL.optional(),
		REDIS_KEY_PREFIX: envSchema.shape.REDIS_KEY_PREFIX,
	});
