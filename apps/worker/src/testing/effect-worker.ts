/**
 * A worker process for the crash test: `createWorkerApp` with one slow, idempotent job. It records
 * each start (`job_starts`), waits, then writes its effect once per job id (`job_effects`, insert
 * or nothing). Run as `node --import tsx src/testing/effect-worker.ts '<json config>'`.
 */
import { createLogger } from "@proliferate/logger";
import { createRedisConnection } from "@proliferate/queue";
import { createDb } from "@proliferate/services";
import postgres from "postgres";
import { createWorkerApp } from "../create-worker";

const config = JSON.parse(process.argv[2] ?? "{}") as {
	databaseUrl: string;
	redisUrl: string;
	redisPrefix: string;
	workMs: number;
};
const logger = createLogger({ service: "effect-worker", level: "info" });
const database = createDb(config.databaseUrl, { max: 2 });
const raw = postgres(config.databaseUrl, { max: 2, onnotice: () => {} });
const redis = createRedisConnection(config.redisUrl);
const app = createWorkerApp({
	services: { db: database.db },
	redis,
	redisPrefix: config.redisPrefix,
	logger,
	handlers: {
		"snapshot-cleanup": async (_payload, job) => {
			// Only the test's outbox job: runs of the queue's schedule (other workers upsert it) are not counted.
			if (!job.id || job.id.startsWith("repeat:")) return;
			await raw`insert into job_starts (job_id, pid) values (${job.id ?? ""}, ${process.pid})`;
			await new Promise((resolve) => setTimeout(resolve, config.workMs));
			await raw`insert into job_effects (job_id) values (${job.id ?? ""}) on conflict do nothing`;
		},
	},
	concurrency: { default: 1, perQueue: {} },
	jobLocks: { lockDurationMs: 2_000, stalledIntervalMs: 1_000 },
	outbox: { batchSize: 10, leaseMs: 5_000, pollIntervalMs: 50 },
	healthPort: 0,
});
await app.start();
