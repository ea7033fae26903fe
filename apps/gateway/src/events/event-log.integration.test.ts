import { createTestRedis, type TestRedis } from "@proliferate/vitest-setup";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventLog, FencedAppendError } from "./event-log";

let redis: TestRedis;
let client: Redis;
let log: EventLog;
const sessionId = "00000000-0000-4000-8000-0000000000aa";

beforeAll(() => {
	redis = createTestRedis();
	client = new Redis(redis.url);
	log = new EventLog(client, redis.prefix);
});

afterAll(async () => {
	client?.disconnect();
	await redis?.cleanup();
});

describe("the event log", () => {
	it("appends an event once per append id, however often the append is repeated", async () => {
		const first = await log.append(
			sessionId,
			{ type: "session.status", status: "idle" },
			undefined,
			"append-1",
		);
		// The reply was lost and the same append was sent again (ioredis resend, publisher retry).
		const again = await log.append(
			sessionId,
			{ type: "session.status", status: "idle" },
			undefined,
			"append-1",
		);
		expect(again.seq).toBe(first.seq);
		expect(again.time).toBe(first.time);
		const next = await log.append(
			sessionId,
			{ type: "session.status", status: "running" },
			undefined,
			"append-2",
		);
		expect(next.seq).toBe(first.seq + 1);
		const events = await log.readAfter(sessionId, 0);
		expect(events.map((event) => event.seq)).toEqual([1, 2]);
		expect(await log.lastSeq(sessionId)).toBe(2);
	});

	it("fences new appends by the lease, and still answers one already written", async () => {
		const leaseKey = `${redis.prefix}:lease:test`;
		await client.set(leaseKey, "owner-a");
		const written = await log.append(
			sessionId,
			{ type: "session.status", status: "idle" },
			{ leaseKey, leaseValue: "owner-a" },
			"fenced-1",
		);
		await client.set(leaseKey, "owner-b");
		await expect(
			log.append(
				sessionId,
				{ type: "session.status", status: "idle" },
				{ leaseKey, leaseValue: "owner-a" },
				"fenced-2",
			),
		).rejects.toBeInstanceOf(FencedAppendError);
		const repeated = await log.append(
			sessionId,
			{ type: "session.status", status: "idle" },
			{ leaseKey, leaseValue: "owner-a" },
			"fenced-1",
		);
		expect(repeated.seq).toBe(written.seq);
		expect(await log.lastSeq(sessionId)).toBe(written.seq);
	});
});
