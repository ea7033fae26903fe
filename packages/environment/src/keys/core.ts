import { z } from "zod";
import { urlWithProtocols } from "./helpers";

export const coreKeys = {
	// ── Runtime
	/** development | test | production. Production refuses unsafe local defaults. */
	NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
	/** pino log level. */
	LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
	/** Directory for local state: embedded Postgres data, snapshots, artifacts, sandboxes. */
	PROLIFERATE_DATA_DIR: z.string().min(1).default(".proliferate"),
	// ── Data stores
	/** PostgreSQL connection string (metadata only). */
	DATABASE_URL: urlWithProtocols(["postgres", "postgresql"]),
	/** Redis connection string (leases, event log, pub/sub, BullMQ). */
	REDIS_URL: urlWithProtocols(["redis", "rediss"]),
	/** Prefix for every Redis key and BullMQ queue, so deployments (and tests) can share a Redis. */
	REDIS_KEY_PREFIX: z.string().min(1).default("proliferate"),
} satisfies z.ZodRawShape;
