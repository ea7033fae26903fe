/**
 * The worker's hand-over costs: outbox rows dispatched per second into BullMQ (one and two
 * dispatchers, separate pools), and the latency from an outbox write to the job starting in a
 * worker (enqueue → job start p50/p99) at two poll intervals. Real PostgreSQL, Redis and BullMQ.
 */
import { createLogger } from "@proliferate/logger";
import { createQueue, createRedisConnection } from "@proliferate/queue";
import { createDb, outbox, withTransaction } from "@proliferate/services";
import { createMigratedDatabase } from "@proliferate/vitest-setup/databases";
import { createWorkerApp } from "@proliferate/worker/create-worker";
import { OutboxDispatcher } from "@proliferate/worker/outbox-dispatcher";
import { summarize } from "../stats";

const rows = Number(process.env.BENCH_ROWS ?? 5000);
const latencySamples = Number(process.env.BENCH_SAMPLES ?? 200);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `bench-worker-${Date.now().toString(36)}`;
const logger = createLogger({ service: "bench-worker", level: "silent" });
const benchDatabase = await createMigratedDatabase("proliferate_bench_worker");
const pools = [createDb(benchDatabase.url, { max: 5 }), createDb(benchDatabase.url, { max: 5 })];
const services = { db: pools[0]?.db ?? (undefined as never) };
const connection = createRedisConnection(redisUrl);
const queue = createQueue("session-idle-check", { connection, prefix });

const sessionIdOf = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;

async function writeRows(count: number, offset: number): Promise<void> {
	for (let start = 0; start < count; start += 500) {
		await withTransaction(services.db, async (tx) => {
			for (let index = start; index < Math.min(count, start + 500); index++)
				await outbox.enqueue(
					{ db: tx },
					{
						kind: "session-idle-check",
						payload: { sessionId: sessionIdOf(offset + index), organizationId: "bench" },
					},
				);
		});
	}
}

async function throughput(dispatchers: number, offset: number): Promise<string> {
	await writeRows(rows, offset);
	const instances = Array.from(
		{ length: dispatchers },
		(_, index) =>
			new OutboxDispatcher({
				services: { db: pools[index % pools.length]?.db ?? services.db },
				claimedBy: `bench-${index}`,
				batchSize: 100,
				leaseMs: 30_000,
				pollIntervalMs: 50,
				logger,
				target: async (handOvers) => {
					await queue.enqueueBulk(
						handOvers.map(({ payload, jobId }) => ({ payload: payload as never, jobId })),
					);
				},
			}),
	);
	const started = performance.now();
	await Promise.all(
		instances.map(async (dispatcher) => {
			while ((await dispatcher.runOnce()).claimed > 0) {}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	return (
		`outbox → BullMQ, ${dispatchers} dispatcher(s)`.padEnd(44) +
		` ${rows} rows  ${(rows / seconds).toFixed(0)} rows/s`
	);
}

async function latency(pollIntervalMs: number, offset: number): Promise<string> {
	const written = new Map<string, number>();
	const samples: number[] = [];
	let done: () => void = () => {};
	const finished = new Promise<void>((resolve) => {
		done = resolve;
	});
	const app = createWorkerApp({
		services,
		redis: connection,
		redisPrefix: `${prefix}-latency-${pollIntervalMs}`,
		logger,
		handlers: {
			"session-idle-check": async (payload) => {
				const at = written.get(payload.sessionId);
				if (at !== undefined) samples.push(performance.now() - at);
				if (samples.length >= latencySamples) done();
			},
		},
		concurrency: { default: 4, perQueue: {} },
		outbox: { batchSize: 100, leaseMs: 30_000, pollIntervalMs },
		healthPort: 0,
	});
	await app.start();
	for (let index = 0; index < latencySamples; index++) {
		const sessionId = sessionIdOf(offset + index);
		written.set(sessionId, performance.now());
		await outbox.enqueue(services, {
			kind: "session-idle-check",
			payload: { sessionId, organizationId: "bench" },
		});
		await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
	}
	await finished;
	await app.stop();
	return summarize(`outbox write → job start, poll ${pollIntervalMs} ms`, samples);
}

try {
	console.log(await throughput(1, 0));
	console.log(await throughput(2, 100_000));
	console.log(await latency(250, 200_000));
	console.log(await latency(50, 300_000));
} finally {
	await queue.queue.obliterate({ force: true }).catch(() => {});
	await queue.close();
	connection.disconnect();
	for (const pool of pools) await pool.close();
	await benchDatabase.drop();
}
