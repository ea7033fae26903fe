import { createTcpRelay, createTestRedis, type TcpRelay, type TestRedis } from "@proliferate/vitest-setup";
import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQueue, createRedisConnection, createWorker } from "./index";

/**
 * Redis briefly gone (platform-foundation.md § Threat and fault model): a job enqueued while Redis
 * is away is neither lost nor refused — it is written once Redis is back — and the worker, which
 * rode out the outage on its own, runs it exactly once.
 */
describe("queues while Redis is briefly unavailable", () => {
	let redis: TestRedis;
	let relay: TcpRelay;
	const connections: Redis[] = [];
	let worker: Worker | undefined;

	beforeAll(async () => {
		redis = createTestRedis();
		const direct = new URL(redis.url);
		relay = await createTcpRelay({ host: direct.hostname, port: Number(direct.port || 6379) });
	});
	afterAll(async () => {
		await worker?.close(true);
		for (const connection of connections) connection.disconnect();
		await relay?.close();
		await redis?.cleanup();
	});

	function relayedConnection(): Redis {
		const url = new URL(redis.url);
		url.host = `127.0.0.1:${relay.port}`;
		const connection = createRedisConnection(url.toString(), { retryStrategy: () => 100 });
		connection.on("error", () => {});
		connections.push(connection);
		return connection;
	}

	it("keeps a job enqueued during the outage and runs it once when Redis is back", async () => {
		const queueConnection = relayedConnection();
		const queue = createQueue("session-idle-check", { connection: queueConnection, prefix: redis.prefix });
		const handled: string[] = [];
		let finish: () => void = () => {};
		const done = new Promise<void>((resolve) => {
			finish = resolve;
		});
		worker = createWorker(
			"session-idle-check",
			async (payload) => {
				handled.push(payload.sessionId);
				finish();
			},
			{ connection: relayedConnection(), prefix: redis.prefix },
		);
		await worker.waitUntilReady();
		await queue.queue.waitUntilReady();

		const closed = new Promise((resolve) => queueConnection.once("close", resolve));
		await relay.goDown();
		await closed;
		// Enqueued while the queue's connection is down (Redis refusing connections).
		expect(queueConnection.status).not.toBe("ready");
		const sessionId = "0b7e5c1a-3f4d-4e8a-9c2b-5d6e7f8a9b0c";
		const enqueued = queue.enqueue({ sessionId, organizationId: "org_outage" });

		await relay.comeBack();
		const job = await enqueued;
		await done;
		expect(handled).toEqual([sessionId]);
		const counts = await queue.queue.getJobCounts("waiting", "active", "completed", "failed");
		expect(counts).toMatchObject({ waiting: 0, failed: 0 });
		expect((counts.completed ?? 0) + (counts.active ?? 0)).toBe(1);
		expect((await queue.queue.getJob(job.id ?? ""))?.data).toEqual({
			sessionId,
			organizationId: "org_outage",
		});
		await queue.close();
	});
});
