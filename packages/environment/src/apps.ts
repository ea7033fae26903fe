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
	AGENT_LLM_BASE_URL: true,
	AGENT_LLM_API_KEY: true,
	AGENT_MODEL_ID: true,
	AGENT_MODEL_LABEL: true,
});

export const webEnvSchema = envSchema.pick({
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
	SANDBOX_PROVIDER: true,
	AGENT_MODEL_ID: true,
	AGENT_MODEL_LABEL: true,
	ANTHROPIC_API_KEY: true,
	OPENAI_API_KEY: true,
	OPENROUTER_API_KEY: true,
});
