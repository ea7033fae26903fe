import { loadEnvironmentOrExit, workerEnvSchema } from "@proliferate/environment";
import { createLogger, installProcessGuard } from "@proliferate/logger";
import { createRedisConnection } from "@proliferate/queue";
import { createDb } from "@proliferate/services";
import { createWorkerApp } from "./create-worker";
import { jobHandlers } from "./jobs";
import { sandboxJobsFromEnv } from "./jobs/sandbox-jobs-env";

const env = loadEnvironmentOrExit(workerEnvSchema, "worker");
const logger = createLogger({ service: "worker", level: env.LOG_LEVEL });
installProcessGuard(logger);

const database = createDb(env.DATABASE_URL);
const redis = createRedisConnection(env.REDIS_URL);
const sandbox = sandboxJobsFromEnv(env, { redis, logger });
const app = createWorkerApp({
	services: { db: database.db },
	redis,
	redisPrefix: env.REDIS_KEY_PREFIX,
	logger,
	handlers: jobHandlers({ services: { db: database.db }, logger, sandbox: sandbox.deps }),
	concurrency: { default: env.WORKER_CONCURRENCY, perQueue: env.WORKER_QUEUE_CONCURRENCY },
	outbox: {
		batchSize: env.OUTBOX_BATCH_SIZE,
		leaseMs: env.OUTBOX_LEASE_MS,
		pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
	},
	healthPort: env.WORKER_HEALTH_PORT,
	schedules: [
		{ name: "outbox-prune", everyMs: 3600_000, payload: { olderThanHours: 168 } },
		{ name: "idempotency-prune", everyMs: 3600_000, payload: {} },
		...sandbox.schedules,
	],
});
await app.start();

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	logger.info({ signal }, "shutting down: no new jobs; running ones finish or are released");
	await app.stop();
	await sandbox.deps.providers.shutdown();
	redis.disconnect();
	await database.close();
	process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
