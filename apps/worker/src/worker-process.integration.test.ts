import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createQueue, createRedisConnection, type TypedQueue } from "@proliferate/queue";
import { createDb, type DatabaseHandle, outbox } from "@proliferate/services";
import {
	createTcpRelay,
	createTestDatabase,
	createTestRedis,
	type TcpRelay,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import { startWorkerProcess, type WorkerProcess } from "@proliferate/vitest-setup/processes";
import type { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

let database: TestDatabase;
let handle: DatabaseHandle;
let raw: postgres.Sql;
let redis: TestRedis;
let connection: Redis;
let idleQueue: TypedQueue<"session-idle-check">;
let logDirectory: string;
const running: WorkerProcess[] = [];

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url);
	raw = postgres(database.url, { max: 1, onnotice: () => {} });
	redis = createTestRedis();
	connection = createRedisConnection(redis.url);
	idleQueue = createQueue("session-idle-check", { connection, prefix: redis.prefix });
	logDirectory = mkdtempSync(join(tmpdir(), "proliferate-worker-"));
});

afterAll(async () => {
	await Promise.all(running.map((worker) => worker.kill()));
	await idleQueue?.close();
	connection?.disconnect();
	await redis?.cleanup();
	await raw?.end();
	await handle?.close();
	await database?.drop();
	if (logDirectory && !process.env.KEEP_E2E_LOGS) rmSync(logDirectory, { recursive: true, force: true });
});

beforeEach(async () => {
	await raw`delete from outbox`;
	await idleQueue.queue.obliterate({ force: true });
});

function environment(overrides: Record<string, string> = {}): Record<string, string> {
	return {
		PATH: process.env.PATH ?? "",
		NODE_ENV: "test",
		LOG_LEVEL: "info",
		DATABASE_URL: database.url,
		REDIS_URL: redis.url,
		REDIS_KEY_PREFIX: redis.prefix,
		OUTBOX_POLL_INTERVAL_MS: "50",
		OUTBOX_LEASE_MS: "2000",
		GATEWAY_JWT_SECRET: testSecret("gateway-jwt"),
		SERVICE_TO_SERVICE_SECRET: testSecret("service"),
		// The idle-check queue stands in for any queue this process only feeds (not consumes).
		WORKER_QUEUES: "outbox-prune,idempotency-prune",
		...overrides,
	};
}

async function start(name: string, overrides: Record<string, string> = {}): Promise<WorkerProcess> {
	const worker = await startWorkerProcess({ name, environment: environment(overrides), logDirectory });
	running.push(worker);
	return worker;
}

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined | false>,
	timeoutMs = 30_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe().catch(() => undefined);
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

const idleCheck = (index: number) => ({
	kind: "session-idle-check" as const,
	payload: {
		sessionId: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
		organizationId: "org-1",
	},
});

/** Starts `testing/effect-worker.ts` as its own process; resolves once it logs "worker started". */
async function startEffectWorker(name: string): Promise<{ kill: () => Promise<void> }> {
	const { spawn } = await import("node:child_process");
	const child = spawn(
		process.execPath,
		[
			"--import",
			"tsx",
			"src/testing/effect-worker.ts",
			JSON.stringify({
				databaseUrl: database.url,
				redisUrl: redis.url,
				redisPrefix: redis.prefix,
				workMs: 3_000,
			}),
		],
		{
			cwd: join(import.meta.dirname, ".."),
			env: { PATH: process.env.PATH ?? "" },
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`effect worker ${name} did not start`)), 60_000);
		child.stdout?.on("data", (chunk: Buffer) => {
			if (chunk.toString().includes("worker started")) {
				clearTimeout(timer);
				resolve();
			}
		});
		child.once("exit", (code) => reject(new Error(`effect worker ${name} exited (${code})`)));
	});
	return {
		kill: async () => {
			if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
			await exited;
		},
	};
}

describe("the worker process", () => {
	it("answers health and Prometheus metrics, runs its jobs from the outbox, and exits cleanly on SIGTERM", async () => {
		const worker = await start("basic");
		const health = await fetch(`${worker.healthUrl}/health`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({ status: "ok", database: true, redis: true });

		// Rows dispatched long ago, and a prune job written through the outbox: the worker runs it.
		await outbox.enqueue({ db: handle.db }, idleCheck(1));
		await until(
			"the idle check dispatched",
			async () => (await outbox.stats({ db: handle.db })).dispatched === 1,
		);
		await raw`update outbox set dispatched_at = now() - interval '10 days'`;
		await outbox.enqueue({ db: handle.db }, { kind: "outbox-prune", payload: { olderThanHours: 24 } });
		await until("the old row pruned", async () => {
			const [row] = await raw<
				{ count: number }[]
			>`select count(*)::int as count from outbox where kind = 'session-idle-check'`;
			return row?.count === 0;
		});

		const metrics = await (await fetch(`${worker.healthUrl}/metrics`)).text();
		expect(metrics).toContain('proliferate_queue_jobs{queue="session-idle-check",state="waiting"} 1');
		expect(metrics).toContain('proliferate_outbox_dispatched_total{kind="outbox-prune"} 1');
		expect(metrics).toMatch(/proliferate_outbox_rows\{status="pending"\} 0/);
		expect(metrics).toContain("proliferate_outbox_oldest_pending_seconds 0");
		expect((await fetch(`${worker.healthUrl}/nope`)).status).toBe(404);

		expect(await worker.stop()).toBe(0);
		expect(worker.log()).toContain("shutting down");
	});

	it("loses nothing and queues nothing twice when a worker is killed mid-dispatch", async () => {
		for (let index = 0; index < 300; index++) await outbox.enqueue({ db: handle.db }, idleCheck(index));
		const first = await start("killed", { OUTBOX_BATCH_SIZE: "20" });
		await until("some rows dispatched", async () => (await outbox.stats({ db: handle.db })).dispatched > 0);
		await first.kill();
		const second = await start("survivor", { OUTBOX_BATCH_SIZE: "20" });
		await until(
			"every row dispatched",
			async () => {
				const stats = await outbox.stats({ db: handle.db });
				return stats.dispatched === 300 && stats.processing === 0 && stats.pending === 0;
			},
			60_000,
		);
		const jobs = await idleQueue.queue.getJobs(["waiting"], 0, -1);
		expect(jobs).toHaveLength(300);
		expect(new Set(jobs.map((job) => job.id)).size).toBe(300);
		expect(await second.stop()).toBe(0);
	});

	it("runs a job again after its worker is killed mid-job, and its effect happens once", async () => {
		await raw`create table if not exists job_starts (job_id text not null, pid int not null)`;
		await raw`create table if not exists job_effects (job_id text primary key)`;
		const first = await startEffectWorker("first");
		const { id } = await outbox.enqueue({ db: handle.db }, { kind: "snapshot-cleanup", payload: {} });
		await until("the job started", async () => {
			const [row] = await raw<
				{ count: number }[]
			>`select count(*)::int as count from job_starts where job_id = ${id}`;
			return row?.count === 1;
		});
		await first.kill();
		const [none] = await raw<{ count: number }[]>`select count(*)::int as count from job_effects`;
		expect(none?.count).toBe(0);
		const second = await startEffectWorker("second");
		try {
			await until(
				"the job's effect",
				async () => {
					const [row] = await raw<
						{ count: number }[]
					>`select count(*)::int as count from job_effects where job_id = ${id}`;
					return row?.count === 1;
				},
				60_000,
			);
			const starts = await raw<{ pid: number }[]>`select pid from job_starts where job_id = ${id}`;
			expect(starts).toHaveLength(2);
			expect(new Set(starts.map((start) => start.pid)).size).toBe(2);
			const [effects] = await raw<{ count: number }[]>`select count(*)::int as count from job_effects`;
			expect(effects?.count).toBe(1);
		} finally {
			await second.kill();
		}
	});

	it("rides out PostgreSQL and Redis going away: health says so, the log says it once, work resumes", async () => {
		const databasePort = Number(new URL(database.url).port || 5432);
		const redisPort = Number(new URL(redis.url).port || 6379);
		const pgRelay: TcpRelay = await createTcpRelay({ host: "127.0.0.1", port: databasePort });
		const redisRelay: TcpRelay = await createTcpRelay({ host: "127.0.0.1", port: redisPort });
		try {
			const databaseUrl = new URL(database.url);
			databaseUrl.hostname = "127.0.0.1";
			databaseUrl.port = String(pgRelay.port);
			const redisUrl = new URL(redis.url);
			redisUrl.hostname = "127.0.0.1";
			redisUrl.port = String(redisRelay.port);
			const worker = await start("outage", {
				DATABASE_URL: databaseUrl.toString(),
				REDIS_URL: redisUrl.toString(),
			});

			await pgRelay.goDown();
			await redisRelay.goDown();
			await outbox.enqueue({ db: handle.db }, idleCheck(42));
			await until(
				"health to report the outage",
				async () => (await fetch(`${worker.healthUrl}/health`)).status === 503,
			);
			await new Promise((resolve) => setTimeout(resolve, 1500));
			await pgRelay.comeBack();
			await redisRelay.comeBack();
			await until(
				"the row dispatched after the outage",
				async () => (await outbox.stats({ db: handle.db })).dispatched === 1,
			);
			await until("health back", async () => (await fetch(`${worker.healthUrl}/health`)).status === 200);
			const log = worker.log();
			expect(log.match(/cannot reach the database/g)?.length).toBe(1);
			expect(log).toContain("reaches the database again");
			expect(await worker.stop()).toBe(0);
		} finally {
			await pgRelay.close();
			await redisRelay.close();
		}
	});
});
