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

export const gatewayEnvSchema = envSchema.pick({
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
	AGENT_LLM_BASE_URL: true,
	AGENT_LLM_API_KEY: true,
	AGENT_MODEL_ID: true,
	AGENT_MODEL_LABEL: true,
});
