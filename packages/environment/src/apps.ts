import { envSchema } from "./schema";

/** The keys each service reads. Adding a key: put it in schema.ts, then pick it here. */
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
		SANDBOX_PROVIDER: true,
		SANDBOX_ALLOW_UNISOLATED: true,
		SANDBOX_TIMEOUT_SECONDS: true,
		AGENT_LLM_BASE_URL: true,
		AGENT_LLM_API_KEY: true,
		AGENT_MODEL_ID: true,
		AGENT_MODEL_LABEL: true,
		LLM_PROXY_URL: true,
		SANDBOX_ALLOW_INTERNET: true,
		SANDBOX_EGRESS_ALLOW_CIDRS: true,
		SANDBOX_MEMORY_MB: true,
		SANDBOX_MAX_PROCESSES: true,
		SANDBOX_CPU_SHARES: true,
		SANDBOX_WARM_POOL_SIZE: true,
		E2B_API_KEY: true,
		E2B_DOMAIN: true,
		E2B_API_URL: true,
		E2B_TEMPLATE: true,
		MODAL_TOKEN_ID: true,
		MODAL_TOKEN_SECRET: true,
		MODAL_APP_NAME: true,
		MODAL_ENVIRONMENT: true,
		MODAL_IMAGE_ID: true,
		MODAL_IMAGE: true,
		MODAL_SERVER_URL: true,
		GITHUB_API_URL: true,
		GITHUB_APP_ID: true,
		GITHUB_APP_PRIVATE_KEY: true,
		SECRETS_ENCRYPTION_KEY: true,
	})
	// Without the proxy's admin secret the gateway gives OpenCode AGENT_LLM_BASE_URL/AGENT_LLM_API_KEY directly.
	.extend({ LLM_PROXY_ADMIN_SECRET: envSchema.shape.LLM_PROXY_ADMIN_SECRET.optional() });

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
