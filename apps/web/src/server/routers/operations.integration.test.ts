import { createRedisConnection, createWorker } from "@proliferate/queue";
import { outbox } from "@proliferate/services";
import { createTestRedis, type TestRedis } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";

describe("super-admin: the operations view", () => {
	let harness: WebHarness;
	let redis: TestRedis;
	let connection: ReturnType<typeof createRedisConnection>;
	let root: TestUser;
	let customer: TestUser;

	beforeAll(async () => {
		redis = createTestRedis();
		connection = createRedisConnection(redis.url);
		harness = await createWebHarness({
			superAdminEmails: ["root@platform.dev"],
			env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix },
		});
		root = await harness.createUser({ name: "Root", email: "root@platform.dev" });
		customer = await harness.createUser({ name: "Casey", email: "casey@customer.dev" });
	});

	afterAll(async () => {
		await harness?.close();
		connection?.disconnect();
		await redis?.cleanup();
	});

	it("is for super-admins only", async () => {
		const client = harness.clientFor(customer.headers);
		await expect(client.admin.operations()).rejects.toMatchObject({ code: "FORBIDDEN" });
		await expect(client.admin.retryJob({ queue: "sandbox-sweep", jobId: "1" })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(
			client.admin.retryOutboxRow({ id: "00000000-0000-4000-8000-000000000000" }),
		).rejects.toMatchObject({ code: "FORBIDDEN" });
	});

	it("shows queue depths, failed jobs and failed outbox rows, and retries each", async () => {
		const services = harness.web.services;
		// A job that fails in a real BullMQ worker.
		const worker = createWorker(
			"sandbox-sweep",
			async () => {
				throw new Error("the provider answered 503");
			},
			{ connection, prefix: redis.prefix },
		);
		const failedOnce = new Promise<void>((resolve) => worker.once("failed", () => resolve()));
		const { queues } = { queues: harness.web.queues() };
		expect(queues).not.toBeNull();
		const { createQueue } = await import("@proliferate/queue");
		const sweepQueue = createQueue("sandbox-sweep", { connection, prefix: redis.prefix });
		const job = await sweepQueue.enqueue({ reason: "operations test" });
		await failedOnce;
		await worker.close();

		// An outbox row that failed for good, and a pending one.
		const failed = await outbox.enqueue(services, { kind: "sandbox-sweep", payload: {} });
		const [claimed] = await outbox.claim(services, { claimedBy: "test", limit: 1, leaseMs: 10_000 });
		if (!claimed) throw new Error("nothing claimed");
		await outbox.markFailed(services, claimed, "Invalid payload for sandbox-sweep: reason: too long");
		await outbox.enqueue(services, { kind: "snapshot-cleanup", payload: {} });

		const client = harness.clientFor(root.headers);
		const view = await client.admin.operations();
		expect(view.queuesUnavailable).toBeNull();
		expect(view.outbox).toMatchObject({ pending: 1, failed: 1, processing: 0 });
		expect(view.outbox.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
		expect(view.failedOutboxRows).toEqual([
			expect.objectContaining({
				id: failed.id,
				kind: "sandbox-sweep",
				lastError: expect.stringContaining("too long"),
			}),
		]);
		expect(view.queues?.depths.find((depth) => depth.name === "sandbox-sweep")).toMatchObject({
			failed: 1,
			waiting: 0,
		});
		expect(view.queues?.failedJobs).toEqual([
			expect.objectContaining({
				queue: "sandbox-sweep",
				id: job.id,
				failedReason: "the provider answered 503",
			}),
		]);

		await client.admin.retryJob({ queue: "sandbox-sweep", jobId: job.id ?? "" });
		await client.admin.retryOutboxRow({ id: failed.id });
		const after = await client.admin.operations();
		expect(after.queues?.depths.find((depth) => depth.name === "sandbox-sweep")).toMatchObject({
			failed: 0,
			waiting: 1,
		});
		expect(after.outbox).toMatchObject({ pending: 2, failed: 0 });
		await sweepQueue.close();
	});

	it("answers bad retries with clear errors", async () => {
		const client = harness.clientFor(root.headers);
		await expect(client.admin.retryJob({ queue: "no-such-queue", jobId: "1" })).rejects.toMatchObject({
			code: "BAD_REQUEST",
			message: expect.stringContaining("No queue named"),
		});
		await expect(client.admin.retryJob({ queue: "sandbox-sweep", jobId: "999999" })).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
		await expect(
			client.admin.retryOutboxRow({ id: "00000000-0000-4000-8000-000000000000" }),
		).rejects.toMatchObject({ code: "NOT_FOUND" });
		await expect(client.admin.retryOutboxRow({ id: "not-a-uuid" })).rejects.toMatchObject({
			code: "BAD_REQUEST",
		});
	});

	it("still shows the outbox when Redis is unreachable or not configured", async () => {
		const cases: Record<string, string>[] = [{ REDIS_URL: "redis://127.0.0.1:9" }, {}];
		for (const env of cases) {
			const other = await createWebHarness({ superAdminEmails: ["root@platform.dev"], env });
			try {
				const admin = await other.createUser({ name: "Root", email: "root@platform.dev" });
				const started = Date.now();
				const view = await other.clientFor(admin.headers).admin.operations();
				expect(Date.now() - started).toBeLessThan(10_000);
				expect(view.queues).toBeNull();
				expect(view.queuesUnavailable).toBe(
					env.REDIS_URL ? "Redis is not reachable" : "REDIS_URL is not set for the web app",
				);
				expect(view.outbox).toMatchObject({ pending: 0, failed: 0 });
			} finally {
				await other.close();
			}
		}
	});
});
