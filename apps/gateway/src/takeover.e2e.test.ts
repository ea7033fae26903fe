import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answered, createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

async function logOf(sessionId: string) {
	return platform.gateway.eventLog.readAfter(sessionId, 0);
}

describe("gateway restarts and multi-instance ownership", () => {
	it("a client keeps every event across a gateway restart and the session carries on", async () => {
		const { session, token, http, ...client } = await platform.startSession({ title: "restart" });
		await client.stream.sendPrompt("[script:slow] keep talking");
		await waitFor(
			() => client.events.filter((event) => event.type === "message.delta").length >= 5,
			60_000,
			"deltas",
		);
		const port = Number(new URL(platform.gateway.url).port);
		await platform.gateway.close();
		const restarted = await platform.startGateway(port, "restarted");
		expect(restarted.url).toBe(platform.gateway.url);
		await waitFor(() => client.stream.state === "open", 30_000, "reconnect");
		await waitFor(() => answered(client.events, 0), 120_000, "the answer after the restart").catch(
			(error) => {
				console.log(
					JSON.stringify(
						client.events
							.slice(-12)
							.map((e) => [
								e.seq,
								e.type,
								(e as { status?: string; message?: string }).status,
								(e as { message?: string }).message,
							]),
					),
				);
				throw error;
			},
		);
		const log = await logOf(session.id);
		expect(client.events).toEqual(log);
		expect(client.events.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
		await client.stream.sendPrompt("[script:echo] still there?");
		await waitFor(
			() =>
				client.events.some(
					(event) => event.type === "message.completed" && event.text === "You said: still there?",
				),
			60_000,
			"follow-up",
		);
		client.stream.close();
		await http.terminate(session.id);
	}, 300_000);

	it("redirects to the owning instance and moves the session when the owner dies", async () => {
		const owner = await platform.startGateway(0, "owner");
		const other = await platform.startGateway(0, "other");
		const token = await platform.userToken();
		const ownerHttp = await platform.http(owner);
		const { session } = await ownerHttp.createSession({ repoId: platform.repoId, title: "takeover" });
		const states: string[] = [];
		// The client only knows the other instance: it is redirected to the owner.
		const { stream, events } = platform.connect(session.id, token, 0, {
			gateway: other,
			onState: (state) => states.push(state),
			reconnect: { maxDelayMs: 500, maxAttempts: 200 },
		});
		await waitFor(
			() => events.some((event) => event.type === "session.status" && event.status === "running"),
			150_000,
			"running",
		);
		expect(owner.hubs.get(session.id)).toBeDefined();
		expect(other.hubs.get(session.id)).toBeUndefined();
		await stream.sendPrompt("[script:slow] a long one");
		await waitFor(
			() => events.filter((event) => event.type === "message.delta").length >= 3,
			60_000,
			"deltas",
		);
		await owner.kill();
		await waitFor(() => other.hubs.get(session.id) !== undefined, 60_000, "takeover by the other instance");
		await waitFor(() => answered(events, 0), 150_000, "the answer after takeover");
		const log = await other.eventLog.readAfter(session.id, 0);
		expect(events).toEqual(log);
		expect(events.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
		expect(states).toContain("reconnecting");
		// The new owner adopted the running sandbox and continued the turn: every word exactly once.
		const words = Array.from({ length: 120 }, (_, index) => `word${index + 1}`).join(" ");
		const deltas = events.flatMap((event) => (event.type === "message.delta" ? [event.delta] : [])).join("");
		expect(deltas).toBe(words);
		expect(events.filter((event) => event.type === "message.completed" && event.text === words)).toHaveLength(
			1,
		);
		expect(
			events.filter((event) => event.type === "message.started" && event.role === "assistant"),
		).toHaveLength(1);
		stream.close();
	}, 300_000);
});
