import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answered, createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";
import { type OwnRedis, startOwnRedis } from "./testing/redis-server";

const words = Array.from({ length: 120 }, (_, index) => `word${index + 1}`);

function deltasOf(events: SessionEvent[]): string {
	return events.flatMap((event) => (event.type === "message.delta" ? [event.delta] : [])).join("");
}

function assertContiguous(events: SessionEvent[]) {
	expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
}

/** Takes the gateways' Redis away for `ms` once the answer is streaming, then brings it back. */
async function outageMidStream(redis: OwnRedis, events: SessionEvent[], ms: number) {
	await waitFor(() => deltasOf(events).includes("word10 "), 60_000, "the answer streaming");
	await redis.stop();
	await new Promise((resolve) => setTimeout(resolve, ms));
	await redis.start();
}

describe("a Redis outage mid-stream", () => {
	let redis: OwnRedis;
	let platform: TestPlatform;

	beforeAll(async () => {
		redis = await startOwnRedis();
		platform = await createTestPlatform({ gatewayRedisUrl: redis.url });
	}, 180_000);

	afterAll(async () => {
		await platform?.close();
		await redis?.close();
	});

	it("loses nothing: every word arrives exactly once, in order, and the session stays with its owner", async () => {
		const { session, stream, events, http } = await platform.startSession({ title: "outage" });
		const leaseBefore = platform.gateway.hubs.leaseOf(session.id);
		const before = events.length;
		await stream.sendPrompt("[script:slow] tell me a long story");
		await outageMidStream(redis, events, 6000);
		await waitFor(() => answered(events, before), 120_000, "the answer after the outage");
		expect(stream.state).toBe("open");
		const answer = events.find(
			(event): event is Extract<SessionEvent, { type: "message.completed" }> =>
				event.type === "message.completed" && event.seq > before,
		);
		expect(answer?.text).toBe(words.join(" "));
		expect(deltasOf(events)).toBe(words.join(" "));
		expect(events.filter((event) => event.type === "error")).toEqual([]);
		assertContiguous(events);
		expect(events).toEqual(await platform.gateway.eventLog.readAfter(session.id, 0));
		// The owner kept the session (nobody else could have taken it) and took its lease back.
		expect(platform.gateway.hubs.get(session.id)).toBeDefined();
		expect(platform.gateway.hubs.leaseOf(session.id)?.version).toBeGreaterThanOrEqual(
			leaseBefore?.version ?? 0,
		);
		await stream.sendPrompt("[script:echo] still there?");
		await waitFor(
			() =>
				events.some((event) => event.type === "message.completed" && event.text === "You said: still there?"),
			60_000,
			"a turn after the outage",
		);
		stream.close();
		await http.terminate(session.id);
	}, 300_000);

	it("answers status calls during the outage with a domain error, never driver text", async () => {
		const { session, stream, http } = await platform.startSession({ title: "status" });
		await redis.stop();
		try {
			const error = await http.getStatus(session.id).then(
				() => undefined,
				(failure: unknown) => failure as { status?: number; code?: string; message?: string },
			);
			expect(error?.code).toBe("EVENT_LOG_UNAVAILABLE");
			expect(error?.message ?? "").not.toMatch(
				/ECONNREFUSED|ioredis|MaxRetriesPerRequest|Connection is closed/i,
			);
		} finally {
			await redis.start();
		}
		stream.close();
		await http.terminate(session.id);
	}, 300_000);
});

describe("a Redis outage longer than the session's buffer", () => {
	let redis: OwnRedis;
	let platform: TestPlatform;

	beforeAll(async () => {
		redis = await startOwnRedis();
		platform = await createTestPlatform({
			gatewayRedisUrl: redis.url,
			publisherLimits: { maxBufferedEvents: 8 },
		});
	}, 180_000);

	afterAll(async () => {
		await platform?.close();
		await redis?.close();
	});

	it("ends the turn with an explicit gap event and the session idle; the next turn works", async () => {
		const { session, stream, events, http } = await platform.startSession({ title: "gap" });
		const before = events.length;
		await stream.sendPrompt("[script:slow] tell me a long story");
		await outageMidStream(redis, events, 6000);
		await waitFor(
			() => events.some((event) => event.type === "error" && event.code === "EVENTS_LOST"),
			60_000,
			"the gap event",
		);
		await waitFor(
			() =>
				events.at(-1)?.type === "session.status" && (events.at(-1) as { status: string }).status === "idle",
			60_000,
			"idle after the gap",
		);
		const gap = events.find((event) => event.type === "error" && event.code === "EVENTS_LOST");
		expect(gap && "message" in gap ? gap.message : "").toMatch(/\d+ events .* lost/);
		// What did arrive is a clean prefix of the answer: no word twice, none out of order.
		const received = deltasOf(events.filter((event) => event.seq > before))
			.trim()
			.split(/\s+/);
		expect(received).toEqual(words.slice(0, received.length));
		assertContiguous(events);
		const after = events.length;
		await stream.sendPrompt("[script:echo] again");
		await waitFor(() => answered(events, after), 60_000, "the next turn");
		stream.close();
		await http.terminate(session.id);
	}, 300_000);
});
