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
