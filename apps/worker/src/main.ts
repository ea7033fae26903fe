import { resolve } from "node:path";
import { loadEnvironmentOrExit, workerEnvSchema } from "@proliferate/environment";
import { createLogger, installProcessGuard } from "@proliferate/logger";
import { createRedisConnection } from "@proliferate/queue";
import { createDb } from "@proliferate/services";
import { createObjectStore, type ObjectStore, objectStoreConfigFromEnv } from "@proliferate/storage";
import { createWorkerApp } from "./create-worker";
import { jobHandlers, onlyQueues } from "./jobs";
import { sandboxJobsFromEnv } from "./jobs/sandbox-jobs-env";

const env = loadEnvironmentOrExit(workerEnvSchema, "worker");
const logger = createLogger({ service: "worker", level: env.LOG_LEVEL });
installProcessGuard(logger);

let objects: ObjectStore;
try {
	objects = createObjectStore(
		objectStoreConfigFromEnv(env, { localDirectory: resolve(env.PROLIFERATE_DATA_DIR, "objects") }),
	);
} catch (error) {
	logger.fatal({ err: error }, `object store cannot start: ${(error as Error).message}`);
	process.exit(1);
}
const database = createDb(env.DATABASE_URL);
const redis = createRedisConnection(env.REDIS_URL);
const sandbox = sandboxJobsFromEnv(env, { redis, logger });
const app = createWorkerApp({
	services: { db: database.db },
	redis,
	redisPrefix: env.REDIS_KEY_PREFIX,
	logger,
	handlers: onlyQueues(
		env.WORKER_QUEUES,
		jobHandlers({
			services: { db: database.db },
			logger,
			objects,
			sandbox: sandbox.deps,
			sessionWatch: {
				services: { db: database.db },
				redis,
				redisPrefix: env.REDIS_KEY_PREFIX,
				gateway: {
					baseUrl: env.GATEWAY_URL,
					userSecret: env.GATEWAY_JWT_SECRET,
					serviceSecret: env.SERVICE_TO_SERVICE_SECRET,
					serviceName: "worker",
				},
				settings: {
					idleTimeoutMs: env.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
					stalledBootMs: env.WORKER_STALLED_BOOT_SECONDS * 1000,
				},
				logger: logger.child({ module: "session-watch" }),
			},
		}),
	),
	concurrency: { default: env.WORKER_CONCURRENCY, perQueue: env.WORKER_QUEUE_CONCURRENCY },
	outbox: {
		batchSize: env.OUTBOX_BATCH_SIZE,
		leaseMs: env.OUTBOX_LEASE_MS,
		pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
	},
	healthPort: env.WORKER_HEALTH_PORT,
	schedules: [
		{ name: "session-watch", everyMs: env.WORKER_SESSION_WATCH_INTERVAL_MS, payload: {} },
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
