import { createLogger } from "@proliferate/logger";
import { createQueue, createRedisConnection, type TypedQueue } from "@proliferate/queue";
import { createDb, type DatabaseHandle, outbox, withTransaction } from "@proliferate/services";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
} from "@proliferate/vitest-setup";
import type { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OutboxDispatcher, type OutboxTarget } from "./dispatcher";

let database: TestDatabase;
let handle: DatabaseHandle;
/** Raw SQL for what no service may do: tampering with stored rows, as time and bugs would. */
let raw: postgres.Sql;
let redis: TestRedis;
let connection: Redis;
let queue: TypedQueue<"session-idle-check">;
const logger = createLogger({ service: "outbox-test", level: "silent" });
const sessionId = "00000000-0000-4000-8000-000000000001";

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url);
	raw = postgres(database.url, { max: 1, onnotice: () => {} });
	redis = createTestRedis();
	connection = createRedisConnection(redis.url);
	queue = createQueue("session-idle-check", { connection, prefix: redis.prefix });
});

afterAll(async () => {
	await queue?.close();
	connection?.disconnect();
	await redis?.cleanup();
	await raw?.end();
	await handle?.close();
	await database?.drop();
});

beforeEach(async () => {
	await raw`delete from outbox`;
	await queue.queue.obliterate({ force: true });
});

const services = () => ({ db: handle.db });
const idleCheck = (index = 0) => ({
	kind: "session-idle-check" as const,
	payload: {
		sessionId: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
		organizationId: "org-1",
	},
});

/** Hands rows to the BullMQ queue (job id = row id) and records each hand-over. */
function queueTarget(calls: string[] = []): OutboxTarget {
	return async (handOvers) => {
		calls.push(...handOvers.map((handOver) => handOver.jobId));
		await queue.enqueueBulk(handOvers.map(({ payload, jobId }) => ({ payload: payload as never, jobId })));
	};
}

function dispatcher(
	target: OutboxTarget,
	overrides: Partial<ConstructorParameters<typeof OutboxDispatcher>[0]> = {},
) {
	return new OutboxDispatcher({
		services: services(),
		target,
		claimedBy: "test",
		batchSize: 50,
		leaseMs: 30_000,
		pollIntervalMs: 20,
		logger,
		backoff: { baseMs: 10, capMs: 50 },
		...overrides,
	});
}

async function rowOf(id: string) {
	const [row] = await raw<
		{
			status: string;
			attempts: number;
			lastError: string | null;
			availableAt: Date;
			dispatchedAt: Date | null;
		}[]
	>`select status, attempts, last_error as "lastError", available_at as "availableAt", dispatched_at as "dispatchedAt"
	  from outbox where id = ${id}`;
	return row;
}

describe("the transactional outbox", () => {
	it("never dispatches a row whose transaction rolled back", async () => {
		await expect(
			withTransaction(handle.db, async (tx) => {
				await outbox.enqueue({ db: tx }, idleCheck());
				throw new Error("the state change failed");
			}),
		).rejects.toThrow("the state change failed");
		const round = await dispatcher(queueTarget()).runOnce();
		expect(round.claimed).toBe(0);
		expect((await queue.queue.getJobCounts("waiting")).waiting).toBe(0);
	});

	it("hands a committed row to its queue once, with the row id as the job id", async () => {
		const { id } = await withTransaction(handle.db, (tx) => outbox.enqueue({ db: tx }, idleCheck(7)));
		const calls: string[] = [];
		const first = await dispatcher(queueTarget(calls)).runOnce();
		expect(first).toMatchObject({ claimed: 1, dispatched: 1 });
		const job = await queue.queue.getJob(id);
		expect(job?.data).toEqual(idleCheck(7).payload);
		expect((await rowOf(id))?.status).toBe("dispatched");
		expect((await rowOf(id))?.dispatchedAt).toBeInstanceOf(Date);
		expect((await dispatcher(queueTarget(calls)).runOnce()).claimed).toBe(0);
		expect(calls).toEqual([id]);
	});

	it("refuses unknown kinds and malformed payloads at write time", async () => {
		await expect(
			outbox.enqueue(services(), { kind: "no-such-job" as never, payload: {} as never }),
		).rejects.toMatchObject({ code: "OUTBOX_UNKNOWN_KIND" });
		await expect(
			outbox.enqueue(services(), { kind: "session-idle-check", payload: { sessionId: "nope" } as never }),
		).rejects.toMatchObject({ code: "OUTBOX_INVALID_PAYLOAD" });
		expect((await outbox.stats(services())).pending).toBe(0);
	});

	it("keeps the first row for a repeated dedupe key", async () => {
		const first = await outbox.enqueue(services(), { ...idleCheck(1), dedupeKey: "idle:1:epoch-3" });
		const second = await outbox.enqueue(services(), { ...idleCheck(1), dedupeKey: "idle:1:epoch-3" });
		expect(first.created).toBe(true);
		expect(second).toEqual({ id: first.id, created: false });
		expect((await outbox.stats(services())).pending).toBe(1);
	});

	it("dispatches 1,000 rows with two dispatchers in parallel, each exactly once", async () => {
		for (let batch = 0; batch < 10; batch++) {
			await withTransaction(handle.db, async (tx) => {
				for (let index = 0; index < 100; index++)
					await outbox.enqueue({ db: tx }, idleCheck(batch * 100 + index));
			});
		}
		const second = createDb(database.url);
		try {
			const calls: string[] = [];
			const a = dispatcher(queueTarget(calls), { claimedBy: "a" });
			const b = dispatcher(queueTarget(calls), { claimedBy: "b", services: { db: second.db } });
			const drain = async (d: OutboxDispatcher) => {
				while ((await d.runOnce()).claimed > 0) {}
			};
			await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
			expect(calls).toHaveLength(1000);
			expect(new Set(calls).size).toBe(1000);
			expect((await queue.queue.getJobCounts("waiting")).waiting).toBe(1000);
			expect(await outbox.stats(services())).toMatchObject({ pending: 0, processing: 0, dispatched: 1000 });
		} finally {
			await second.close();
		}
	});

	it("takes back a row stuck in processing after its lease; the stale claim can no longer write", async () => {
		const { id } = await outbox.enqueue(services(), idleCheck(3));
		// A dispatcher claims the row and dies after handing it over, before marking it.
		const [stale] = await outbox.claim(services(), { claimedBy: "dead", limit: 10, leaseMs: 300 });
		expect(stale?.id).toBe(id);
		await queue.enqueue(idleCheck(3).payload, { jobId: id });
		expect((await dispatcher(queueTarget()).runOnce()).claimed).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 400));
		const calls: string[] = [];
		const round = await dispatcher(queueTarget(calls)).runOnce();
		expect(round).toMatchObject({ recovered: 1, claimed: 1, dispatched: 1 });
		expect(calls).toEqual([id]);
		// Handed over twice, queued once: BullMQ keeps one job per id.
		expect((await queue.queue.getJobCounts("waiting")).waiting).toBe(1);
		expect(stale && (await outbox.markDispatched(services(), stale))).toBe(false);
		expect((await rowOf(id))?.attempts).toBe(2);
	});

	it("fails a stored payload that no longer parses, or an unknown kind, for good — and the rows behind it still go", async () => {
		const broken = await outbox.enqueue(services(), idleCheck(1));
		const unknown = await outbox.enqueue(services(), idleCheck(2));
		const fine = await outbox.enqueue(services(), idleCheck(3));
		await raw`update outbox set payload = ${raw.json({ sessionId: 42 })} where id = ${broken.id}`;
		await raw`update outbox set kind = 'retired-job' where id = ${unknown.id}`;
		const round = await dispatcher(queueTarget()).runOnce();
		expect(round).toMatchObject({ claimed: 3, failed: 2, dispatched: 1 });
		expect(await rowOf(broken.id)).toMatchObject({
			status: "failed",
			lastError: expect.stringContaining("sessionId"),
		});
		expect(await rowOf(unknown.id)).toMatchObject({
			status: "failed",
			lastError: expect.stringContaining("retired-job"),
		});
		expect((await rowOf(fine.id))?.status).toBe("dispatched");
		expect((await outbox.listFailed(services())).map((entry) => entry.id).sort()).toEqual(
			[broken.id, unknown.id].sort(),
		);
	});

	it("retries a failed hand-over with capped backoff, fails it after its attempts, and an operator can retry it", async () => {
		const { id } = await outbox.enqueue(services(), { ...idleCheck(4), maxAttempts: 2 });
		let redisDown = true;
		const target: OutboxTarget = async (handOvers) => {
			if (redisDown) throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
			await queueTarget()(handOvers);
		};
		const slow = { backoff: { baseMs: 2_000, capMs: 2_000 } };
		const before = Date.now();
		expect(await dispatcher(target, slow).runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
		const waiting = await rowOf(id);
		expect(waiting).toMatchObject({
			status: "pending",
			attempts: 1,
			lastError: expect.stringContaining("ECONNREFUSED"),
		});
		expect(waiting?.availableAt.getTime()).toBeGreaterThanOrEqual(before + 1_600);
		expect((await dispatcher(target, slow).runOnce()).claimed).toBe(0);
		await raw`update outbox set available_at = now() where id = ${id}`;
		expect(await dispatcher(target).runOnce()).toMatchObject({ claimed: 1, failed: 1 });
		expect((await rowOf(id))?.status).toBe("failed");
		await expect(
			outbox.retryFailed(services(), "00000000-0000-4000-8000-00000000ffff"),
		).rejects.toMatchObject({
			code: "OUTBOX_ROW_NOT_FOUND",
		});
		await outbox.retryFailed(services(), id);
		redisDown = false;
		expect(await dispatcher(target).runOnce()).toMatchObject({ claimed: 1, dispatched: 1 });
		expect(await queue.queue.getJob(id)).toBeTruthy();
	});

	it("runs as a loop, keeps going when the target fails, and stops after its round", async () => {
		const calls: string[] = [];
		const loop = dispatcher(queueTarget(calls));
		loop.start();
		const { id } = await outbox.enqueue(services(), idleCheck(9));
		for (let waited = 0; calls.length === 0 && waited < 5000; waited += 20)
			await new Promise((resolve) => setTimeout(resolve, 20));
		await loop.stop();
		expect(calls).toEqual([id]);
		expect((await rowOf(id))?.status).toBe("dispatched");
	});
});

describe("retry delays", () => {
	it("grow exponentially, are capped, and jitter by at most 20 %", () => {
		const policy = { baseMs: 1000, capMs: 60_000 };
		expect(outbox.retryDelayMs(1, policy, () => 0.5)).toBe(1000);
		expect(outbox.retryDelayMs(3, policy, () => 0.5)).toBe(4000);
		expect(outbox.retryDelayMs(30, policy, () => 0.5)).toBe(60_000);
		expect(outbox.retryDelayMs(3, policy, () => 0)).toBe(3200);
		expect(outbox.retryDelayMs(3, policy, () => 1)).toBe(4800);
		expect(sessionId).toBeTruthy();
	});
});
