import { connect } from "node:net";
import { frameLimitErrorCodes } from "@proliferate/gateway-clients";
import { sessions } from "@proliferate/services";
import { MAX_CLIENT_FRAME_BYTES, MAX_REQUEST_ID_LENGTH, type SessionEvent } from "@proliferate/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestPlatform, type TestPlatform, waitFor } from "../testing/platform";
import { defaultWebSocketLimits } from "./limits";
import { attackFromHost, expectedCloseCode, frameAttacks, publishDuring } from "./testing/attack";

let platform: TestPlatform;
// The gateway runs in this process: anything that escaped its handlers would land here.
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
	process.on("uncaughtException", recordUncaught);
	process.on("unhandledRejection", recordUncaught);
	platform = await createTestPlatform();
}, 120_000);

afterEach(() => {
	expect(uncaught).toEqual([]);
});

afterAll(async () => {
	await platform?.close();
	process.off("uncaughtException", recordUncaught);
	process.off("unhandledRejection", recordUncaught);
});

async function pausedSession(title: string) {
	const session = await sessions.createSession(platform.services, {
		organizationId: platform.organizationId,
		title,
	});
	await sessions.transitionSession(platform.services, {
		organizationId: platform.organizationId,
		sessionId: session.id,
		to: "paused",
	});
	return { sessionId: session.id, token: await platform.userToken(session.id) };
}

/** A plain `ws` client: its frames, and a way to send. */
function client(sessionId: string, query: string) {
	const frames: Record<string, unknown>[] = [];
	const socket = new WebSocket(
		`${platform.gateway.url.replace("http", "ws")}/sessions/${sessionId}/stream?${query}`,
	);
	socket.on("message", (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
	socket.on("error", () => {});
	return { socket, frames };
}

async function statusClients(sessionId: string): Promise<number> {
	const http = await platform.http();
	return ((await http.getStatus(sessionId)) as { clients: number }).clients;
}

describe("stream WebSocket faults (host)", () => {
	it("closes each malformed, oversized or flooding socket with its code while an honest client gets every event in order", async () => {
		const { sessionId, token } = await pausedSession("attacked stream");
		const honest = platform.connect(sessionId, token);
		await waitFor(() => honest.stream.state === "open", 10_000, "honest client");
		const hub = await waitFor(() => platform.gateway.hubs.get(sessionId), 10_000, "hub");
		const options = { maxFrameBytes: MAX_CLIENT_FRAME_BYTES, floodFrames: 400 };
		let tokenless: Awaited<ReturnType<typeof attackFromHost>> = [];
		let authenticated: Awaited<ReturnType<typeof attackFromHost>> = [];
		const published = await publishDuring(hub, async () => {
			tokenless = await attackFromHost(platform.gateway.url, `/sessions/${sessionId}/stream`, {
				...options,
				waitForReady: false,
			});
			authenticated = await attackFromHost(
				platform.gateway.url,
				`/sessions/${sessionId}/stream?token=${token}`,
				{ ...options, waitForReady: true },
			);
		});

		for (const result of tokenless) {
			expect(result, result.case).toMatchObject({ outcome: "closed", status: 101 });
			// Refused for its missing token, or for the frame if that was read first: never left open.
			expect([4401, expectedCloseCode[result.case]], result.case).toContain(result.closeCode);
		}
		expect(authenticated.map((result) => [result.case, result.outcome, result.closeCode])).toEqual(
			frameAttacks.map((attack) => [attack, "closed", expectedCloseCode[attack]]),
		);
		for (const result of authenticated) expect(result.closeReason, result.case).not.toBe("");
		const byCase = Object.fromEntries(authenticated.map((result) => [result.case, result]));
		expect(byCase["announced-17mib"]?.errorCodes).toContain("FRAME_TOO_LARGE");
		expect(byCase.oversized?.errorCodes).toContain("FRAME_TOO_LARGE");
		expect(byCase.flood?.errorCodes).toContain("RATE_LIMITED");
		expect(byCase.flood?.closeReason).toBe("rate limit exceeded");

		await waitFor(
			() => published.every((event) => honest.events.some((seen) => seen.seq === event.seq)),
			20_000,
			"the honest client to get every event",
		);
		const ticks = honest.events.filter((event: SessionEvent) => event.type === "message.delta");
		expect(ticks.map((event) => event.seq)).toEqual(published.map((event) => event.seq));
		await expect(honest.stream.request({ type: "ping" })).resolves.toBeUndefined();
		expect((await fetch(`${platform.gateway.url}/health`)).status).toBe(200);
		// Only the honest client is left attached.
		await waitFor(() => hub.clientCount === 1, 10_000, "attackers detached");
		honest.stream.close();
	}, 120_000);

	it("never counts a socket that closed during authentication as a client", async () => {
		const { sessionId, token } = await pausedSession("closed during auth");
		const url = new URL(platform.gateway.url);
		const handshake = `GET /sessions/${sessionId}/stream?token=${token} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
		await Promise.all(
			Array.from(
				{ length: 20 },
				(_, index) =>
					new Promise<void>((resolve) => {
						const socket = connect(Number(url.port), url.hostname, () => {
							socket.write(handshake);
							// Half leave as soon as the request is out, half once the handshake is answered.
							if (index % 2 === 0) socket.destroy();
						});
						socket.on("data", () => socket.destroy());
						socket.on("error", () => {});
						socket.on("close", () => resolve());
					}),
			),
		);
		// A client that stays: once it is attached, the ones that left earlier have been handled too.
		const stays = client(sessionId, `token=${token}`);
		await waitFor(() => stays.frames.some((frame) => frame.kind === "ready"), 10_000, "ready");
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(await statusClients(sessionId)).toBe(1);
		stays.socket.close();
		await waitFor(async () => (await statusClients(sessionId)) === 0, 10_000, "no clients");
		expect(platform.gateway.hubs.get(sessionId)?.clientCount ?? 0).toBe(0);
	}, 60_000);

	it("starts the replay at the log's last seq for an `after` beyond it, and delivers new events", async () => {
		const { sessionId, token } = await pausedSession("after beyond the log");
		const first = client(sessionId, `token=${token}`);
		await waitFor(() => first.frames.some((frame) => frame.kind === "ready"), 10_000, "ready");
		const hub = await waitFor(() => platform.gateway.hubs.get(sessionId), 10_000, "hub");
		await hub.publish({ type: "message.delta", messageId: "m", partId: "p", delta: "one" });
		const lastSeq = await platform.gateway.eventLog.lastSeq(sessionId);
		const ahead = client(sessionId, `token=${token}&after=99999999`);
		const ready = await waitFor(() => ahead.frames.find((frame) => frame.kind === "ready"), 10_000, "ready");
		expect(ready).toMatchObject({ replayFrom: lastSeq, lastSeq });
		const next = await hub.publish({ type: "message.delta", messageId: "m", partId: "p", delta: "two" });
		const delivered = await waitFor(
			() => ahead.frames.find((frame) => frame.kind === "event"),
			10_000,
			"the new event",
		);
		expect(delivered).toMatchObject({ event: { seq: next.seq, delta: "two" } });
		first.socket.close();
		ahead.socket.close();
	}, 60_000);

	it("refuses an over-long requestId and never echoes it", async () => {
		const { sessionId, token } = await pausedSession("request ids");
		const talker = client(sessionId, `token=${token}`);
		await waitFor(() => talker.frames.some((frame) => frame.kind === "ready"), 10_000, "ready");
		const longest = "r".repeat(MAX_REQUEST_ID_LENGTH);
		talker.socket.send(JSON.stringify({ type: "ping", requestId: longest }));
		await waitFor(() => talker.frames.some((frame) => frame.kind === "pong"), 10_000, "pong");
		expect(talker.frames.find((frame) => frame.kind === "pong")).toMatchObject({ requestId: longest });
		const tooLong = "x".repeat(MAX_REQUEST_ID_LENGTH + 1);
		talker.socket.send(JSON.stringify({ type: "ping", requestId: tooLong }));
		talker.socket.send(JSON.stringify({ type: "no-such-command", requestId: "y".repeat(50_000) }));
		await waitFor(
			() => talker.frames.filter((frame) => frame.kind === "error").length === 2,
			10_000,
			"errors",
		);
		const errors = talker.frames.filter((frame) => frame.kind === "error");
		for (const error of errors) {
			expect(error).toMatchObject({ code: "INVALID_COMMAND" });
			expect(error).not.toHaveProperty("requestId");
			expect(JSON.stringify(error)).not.toContain("xxxxxxxx");
			expect(JSON.stringify(error)).not.toContain("yyyyyyyy");
		}
		expect(String(errors[0]?.message)).toContain("requestId");
		talker.socket.close();
	}, 60_000);

	it("the client library paces a burst of requests under the rate limit and refuses an oversized one itself", async () => {
		const { sessionId, token } = await pausedSession("paced client");
		const states: string[] = [];
		const paced = platform.connect(sessionId, token, 0, { onState: (state) => states.push(state) });
		await waitFor(() => paced.stream.state === "open", 10_000, "open");
		// More than the gateway's burst plus its strikes: unpaced, the gateway would close the connection.
		const burst = defaultWebSocketLimits.stream.rate.burst + defaultWebSocketLimits.stream.rate.strikes + 10;
		await expect(
			Promise.all(Array.from({ length: burst }, () => paced.stream.request({ type: "ping" }))),
		).resolves.toHaveLength(burst);
		await expect(
			paced.stream.request({ type: "prompt", content: "x".repeat(MAX_CLIENT_FRAME_BYTES) }),
		).rejects.toMatchObject({ code: frameLimitErrorCodes.tooLarge });
		await expect(paced.stream.request({ type: "ping" })).resolves.toBeUndefined();
		expect(states).toEqual(["open"]);
		paced.stream.close();
	}, 60_000);
});
