import { createTestRedis, type TestRedis } from "@proliferate/vitest-setup";
import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	createQueue,
	createRedisConnection,
	createWorker,
	InvalidJobPayloadError,
	jobCatalog,
	jobNames,
} from "./index";

let redis: TestRedis;
let connection: Redis;
const workers: Worker[] = [];

beforeAll(() => {
	redis = createTestRedis();
	connection = createRedisConnection(redis.url);
});

afterAll(async () => {
	await Promise.all(workers.map((worker) => worker.close()));
	await redis.cleanup();
	connection.disconnect();
});

describe("queue catalog", () => {
	it("gives every job a payload schema, attempts and backoff", () => {
		for (const name of jobNames) {
			const definition = jobCatalog[name];
			expect(definition.attempts).toBeGreaterThanOrEqual(1);
			expect(["fixed", "exponential"]).toContain(definition.backoff.type);
			expect(definition.description.length).toBeGreaterThan(10);
		}
	});

	it("refuses an invalid payload before it reaches Redis", async () => {
		const queue = createQueue("session-expiry", { connection, prefix: redis.prefix });
		await expect(
			queue.enqueue({ sessionId: "nope", organizationId: "", expiresAt: "tomorrow" } as never),
		).rejects.toBeInstanceOf(InvalidJobPayloadError);
		expect(await queue.queue.getJobCounts("waiting", "delayed")).toMatchObject({ waiting: 0, delayed: 0 });
		await queue.close();
	});

	it("delivers a valid job to a worker under the test prefix with catalog retry settings", async () => {
		const queue = createQueue("session-idle-check", { connection, prefix: redis.prefix });
		const received: unknown[] = [];
		let attempts = 0;
		const done = new Promise<void>((resolve) => {
			workers.push(
				createWorker(
					"session-idle-check",
					async (payload) => {
						attempts++;
						if (attempts === 1) throw new Error("transient");
						received.push(payload);
						resolve();
					},
					{ connection: createRedisConnection(redis.url), prefix: redis.prefix },
				),
			);
		});
		const sessionId = "6f1c2f7e-8a54-4a8c-9a55-1d2b7f0c1e11";
		const job = await queue.enqueue({ sessionId, organizationId: "org_1" });
		expect(job.opts.attempts).toBe(jobCatalog["session-idle-check"].attempts);
		await done;
		expect(received).toEqual([{ sessionId, organizationId: "org_1" }]);
		expect(attempts).toBe(2);
		const keys = await connection.keys(`${redis.prefix}:session-idle-check:*`);
		expect(keys.length).toBeGreaterThan(0);
		await queue.close();
	});

	it("fails a job whose stored payload no longer parses, without retrying", async () => {
		const queue = createQueue("snapshot-cleanup", { connection, prefix: redis.prefix });
		let handled = 0;
		const worker = createWorker(
			"snapshot-cleanup",
			async () => {
				handled++;
			},
			{ connection: createRedisConnection(redis.url), prefix: redis.prefix },
		);
		workers.push(worker);
		const failed = new Promise<string>((resolve) =>
			worker.on("failed", (_job, error) => resolve(error.message)),
		);
		await queue.queue.add("snapshot-cleanup", { olderThanDays: -3 });
		expect(await failed).toMatch(/Invalid payload for job snapshot-cleanup/);
		expect(handled).toBe(0);
		await queue.close();
	});
});
