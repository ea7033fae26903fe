import { createSessionSandboxClient, type SandboxClient } from "@proliferate/gateway-clients";
import type { SessionEvent } from "@proliferate/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { SessionHub } from "../hub/session-hub";
import { createTestPlatform, type StartedSession, type TestPlatform, waitFor } from "../testing/platform";
import { defaultWebSocketLimits } from "./limits";
import {
	type AttackResult,
	attackFromHost,
	attackScript,
	expectedCloseCode,
	frameAttacks,
	parseAttackOutput,
	publishDuring,
} from "./testing/attack";

let platform: TestPlatform;
let started: StartedSession;
let hub: SessionHub;
let sandbox: SandboxClient;
let sandboxId: string;
let terminalPath: string;
let previewPath: string;
// The gateway runs in this process: anything that escaped its handlers would land here.
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown) => uncaught.push(error);

/** A dev server's WebSocket endpoint in the sandbox: completes handshakes, answers close frames. */
const webSocketDaemon = `
const http = require("node:http");
const crypto = require("node:crypto");
const server = http.createServer((request, response) => response.end("ws daemon"));
server.on("upgrade", (request, socket) => {
	const accept = crypto.createHash("sha1").update(request.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
	socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n");
	socket.on("data", (data) => { if ((data[0] & 0x0f) === 8) socket.end(Buffer.from([0x88, 0])); });
	// A hostile dev server: a frame with a reserved opcode, then a masked one (servers must not mask).
	if (request.url.startsWith("/evil")) socket.write(Buffer.from([0x83, 0x00, 0x81, 0x81, 1, 2, 3, 4, 0x61]));
	socket.on("error", () => {});
});
server.listen(3300, "0.0.0.0", () => console.log("listening"));
`;

/** Writes `content` to `path` in the sandbox (base64 through node: no quoting surprises). */
async function writeInSandbox(path: string, content: string): Promise<void> {
	await platform.provider.exec(sandboxId, [
		"node",
		"-e",
		"require('fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))",
		path,
		Buffer.from(content).toString("base64"),
	]);
}

beforeAll(async () => {
	process.on("uncaughtException", recordUncaught);
	process.on("unhandledRejection", recordUncaught);
	platform = await createTestPlatform();
	started = await platform.startSession({ title: "under attack" });
	hub = await waitFor(() => platform.gateway.hubs.get(started.session.id), 10_000, "hub");
	const meta = platform.provider.sandboxMetas().at(-1);
	if (!meta) throw new Error("no sandbox");
	sandboxId = meta.sandboxId;
	sandbox = createSessionSandboxClient({
		gatewayUrl: platform.gateway.url,
		sessionId: started.session.id,
		auth: { type: "token", token: await platform.userToken() },
		WebSocket: WebSocket as never,
	});
	const terminal = await sandbox.createTerminal();
	terminalPath = `/sessions/${started.session.id}/sandbox/terminals/${terminal.id}`;
	await writeInSandbox("/tmp/ws-daemon.cjs", webSocketDaemon);
	await writeInSandbox("/tmp/raw-attack.mjs", attackScript());
	await sandbox.startService({ name: "wsd", command: "node /tmp/ws-daemon.cjs", port: 3300 });
	await waitFor(
		async () => (await sandbox.serviceLogs("wsd")).text.includes("listening"),
		20_000,
		"ws daemon",
	);
	const exposed = await sandbox.exposeService("wsd");
	if (!("url" in exposed)) throw new Error("no preview link");
	previewPath = new URL(exposed.url).pathname;
}, 240_000);

afterEach(() => {
	expect(uncaught).toEqual([]);
});

afterAll(async () => {
	await platform?.close();
	process.off("uncaughtException", recordUncaught);
	process.off("unhandledRejection", recordUncaught);
});

const relayOptions = {
	maxFrameBytes: defaultWebSocketLimits.relay.maxFrameBytes,
	// Over the relay's burst plus its strikes, sent at once.
	floodFrames: defaultWebSocketLimits.relay.rate.burst + defaultWebSocketLimits.relay.rate.strikes + 400,
	waitForReady: false,
};
const streamOptions = {
	maxFrameBytes: defaultWebSocketLimits.stream.maxFrameBytes,
	floodFrames: defaultWebSocketLimits.stream.rate.burst + defaultWebSocketLimits.stream.rate.strikes + 200,
};

/** The honest client (the one that started the session) got every published event, in order. */
async function expectHonestClientGotEverything(published: SessionEvent[]) {
	await waitFor(
		() => published.every((event) => started.events.some((seen) => seen.seq === event.seq)),
		30_000,
		"the honest client to get every event",
	);
	const seqs = started.events.map((event) => event.seq);
	const publishedSeqs = published.map((event) => event.seq);
	expect(seqs.filter((seq) => publishedSeqs.includes(seq))).toEqual(publishedSeqs);
	// No gaps, no duplicates in what the honest client saw overall.
	expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
	expect(new Set(seqs).size).toBe(seqs.length);
	await expect(started.stream.request({ type: "ping" })).resolves.toBeUndefined();
	expect((await fetch(`${platform.gateway.url}/health`)).status).toBe(200);
}

function expectClosedWithCodes(results: AttackResult[], label: string) {
	expect(
		results.map((result) => [result.case, result.outcome, result.closeCode]),
		label,
	).toEqual(frameAttacks.map((attack) => [attack, "closed", expectedCloseCode[attack]]));
	for (const result of results) expect(result.closeReason, `${label} ${result.case}`).not.toBe("");
}

function expectRefusedOrClosed(results: AttackResult[], refusalCode: number | "http", label: string) {
	expect(
		results.map((result) => result.case),
		label,
	).toEqual([...frameAttacks]);
	for (const result of results) {
		if (refusalCode === "http") {
			expect(result, `${label} ${result.case}`).toMatchObject({ outcome: "refused", status: 404 });
			continue;
		}
		expect(result, `${label} ${result.case}`).toMatchObject({ outcome: "closed", status: 101 });
		expect([refusalCode, expectedCloseCode[result.case]], `${label} ${result.case}`).toContain(
			result.closeCode,
		);
	}
}

describe("WebSocket faults against a live session", () => {
	it("closes malformed, oversized and flooding terminal and preview sockets from the host, tokenless and authenticated", async () => {
		const token = await platform.userToken();
		const results: Record<string, AttackResult[]> = {};
		const published = await publishDuring(hub, async () => {
			results.terminalTokenless = await attackFromHost(platform.gateway.url, terminalPath, relayOptions);
			results.terminal = await attackFromHost(
				platform.gateway.url,
				`${terminalPath}?token=${token}`,
				relayOptions,
			);
			results.previewUnknown = await attackFromHost(
				platform.gateway.url,
				`/preview/${"A".repeat(32)}/`,
				relayOptions,
			);
			results.preview = await attackFromHost(platform.gateway.url, previewPath, relayOptions);
			results.stream = await attackFromHost(
				platform.gateway.url,
				`/sessions/${started.session.id}/stream?token=${started.token}`,
				{ ...streamOptions, waitForReady: true },
			);
		});
		expectRefusedOrClosed(results.terminalTokenless ?? [], 4401, "terminal without a token");
		expect(results.terminalTokenless?.[0]?.errorCodes).toEqual(["INVALID_TOKEN"]);
		expectClosedWithCodes(results.terminal ?? [], "terminal");
		expectRefusedOrClosed(results.previewUnknown ?? [], "http", "unknown preview link");
		expectClosedWithCodes(results.preview ?? [], "preview");
		expectClosedWithCodes(results.stream ?? [], "stream");
		await expectHonestClientGotEverything(published);
		// The terminal and the dev server survived too: a fresh terminal socket still works.
		let output = "";
		const connection = sandbox.connectTerminal(terminalPath.split("/").at(-1) ?? "", {
			onOutput: (data) => {
				output += data;
			},
		});
		connection.write("echo still-$((40+2))\r");
		await waitFor(() => output.includes("still-42"), 20_000, "terminal echo after the attacks");
		connection.close();
	}, 240_000);

	it("closes a preview socket with 1011 when the sandbox's side breaks the protocol, and keeps serving others", async () => {
		const outcome = await new Promise<{ code: number; reason: string }>((resolve) => {
			const socket = new WebSocket(`${platform.gateway.url.replace("http", "ws")}${previewPath}evil`);
			socket.on("error", () => {});
			socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
		});
		expect(outcome).toEqual({ code: 1011, reason: "the sandbox side of this socket failed" });
		const honest = await new Promise<string>((resolve) => {
			const socket = new WebSocket(`${platform.gateway.url.replace("http", "ws")}${previewPath}`);
			socket.on("error", () => {});
			socket.on("open", () => {
				resolve("opened");
				socket.close();
			});
			socket.on("close", (code) => resolve(`closed ${code}`));
		});
		expect(honest).toBe("opened");
		expect((await fetch(`${platform.gateway.url}/health`)).status).toBe(200);
	}, 60_000);

	it("survives the same attacks from inside the sandbox through the gateway egress relay", async () => {
		const token = await platform.userToken();
		const targets = [
			["stream, no token", `/sessions/${started.session.id}/stream`, "none", streamOptions],
			[
				"stream, leaked token",
				`/sessions/${started.session.id}/stream?token=${started.token}`,
				"ready",
				streamOptions,
			],
			["terminal, no token", terminalPath, "none", relayOptions],
			["terminal, leaked token", `${terminalPath}?token=${token}`, "none", relayOptions],
			["preview", previewPath, "none", relayOptions],
		] as const;
		const outcomes: Record<string, AttackResult[]> = {};
		const published = await publishDuring(hub, async () => {
			for (const [label, path, wait, options] of targets) {
				const result = await platform.provider.exec(
					sandboxId,
					[
						"sh",
						"-c",
						'test -n "$PROLIFERATE_EGRESS_GATEWAY_URL" || { echo "no gateway egress URL" >&2; exit 9; }; exec node /tmp/raw-attack.mjs "$PROLIFERATE_EGRESS_GATEWAY_URL" "$@"',
						"attack",
						path,
						wait,
						String(options.maxFrameBytes),
						String(options.floodFrames),
						...frameAttacks,
					],
					{ timeoutMs: 150_000 },
				);
				outcomes[label] = parseAttackOutput(result.stdout);
			}
		});
		for (const [label] of targets) {
			const results = outcomes[label] ?? [];
			expect(
				results.map((result) => result.case),
				label,
			).toEqual([...frameAttacks]);
			// Refused (by the relay or the gateway) or closed: never left open, never answered as if valid.
			for (const result of results)
				expect(["closed", "refused", "error"], `${label} ${result.case}`).toContain(result.outcome);
		}
		await expectHonestClientGotEverything(published);
	}, 300_000);
});
