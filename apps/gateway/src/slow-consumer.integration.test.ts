import { connect } from "node:net";
import { sessions } from "@proliferate/services";
import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

describe("slow consumers", () => {
	it("disconnects a client that stops reading, while another client receives every event", async () => {
		const session = await sessions.createSession(platform.services, {
			organizationId: platform.organizationId,
			title: "slow",
		});
		await sessions.transitionSession(platform.services, {
			organizationId: platform.organizationId,
			sessionId: session.id,
			to: "paused",
		});
		const token = await platform.userToken(session.id);
		const healthy = platform.connect(session.id, token);
		await waitFor(() => healthy.stream.state === "open", 10_000, "healthy client");

		// A client that completes the WebSocket handshake and then never reads.
		const url = new URL(platform.gateway.url);
		const stalled = connect(Number(url.port), url.hostname);
		let stalledClosedAt: number | undefined;
		stalled.on("close", () => {
			stalledClosedAt = Date.now();
		});
		stalled.on("error", () => {});
		stalled.write(
			`GET /sessions/${session.id}/stream?token=${token} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
		);
		stalled.pause();
		const hub = await waitFor(() => platform.gateway.hubs.get(session.id), 10_000, "hub");
		await waitFor(() => hub.clientCount === 2, 10_000, "both clients attached");

		const chunk = "x".repeat(64 * 1024);
		const published: SessionEvent[] = [];
		for (let index = 0; index < 400; index++) {
			published.push(await hub.publish({ type: "message.delta", messageId: "m", partId: "p", delta: chunk }));
		}
		await waitFor(() => hub.clientCount === 1, 30_000, "the stalled client to be dropped");
		await waitFor(
			() => healthy.events.length === published.length,
			30_000,
			"the healthy client to get everything",
		);
		expect(healthy.events.map((event) => event.seq)).toEqual(published.map((event) => event.seq));
		// Once it reads again, the stalled client finds its connection closed by the gateway.
		stalled.resume();
		await waitFor(() => stalledClosedAt !== undefined, 30_000, "the stalled socket to close");
		stalled.destroy();
	}, 120_000);
});
