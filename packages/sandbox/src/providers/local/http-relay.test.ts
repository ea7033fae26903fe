import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HostRelays } from "./host-relays";
import { matchEgressRoute, relayMaxHeaderBytes } from "./http-relay";

const sessionId = "11111111-2222-3333-4444-555555555555";
const otherSessionId = "99999999-8888-7777-6666-555555555555";
const routes = [{ method: "POST" as const, path: `/sessions/${sessionId}/tools/*` }];

/** Every request the target (standing in for the gateway) received: method, path, body size. */
const seen: { method: string; url: string; bytes: number }[] = [];
let upstream: Server;
let relays: HostRelays;
let runDir: string;
let socketPath: string;

beforeAll(async () => {
	upstream = createServer((request: IncomingMessage, response) => {
		let bytes = 0;
		request.on("data", (chunk: Buffer) => {
			bytes += chunk.length;
		});
		request.on("end", () => {
			seen.push({ method: request.method ?? "", url: request.url ?? "", bytes });
			response.writeHead(200, { "content-type": "application/json" });
			response.end(JSON.stringify({ ok: true, bytes }));
		});
	});
	upstream.on("upgrade", (request, socket) => {
		seen.push({ method: "UPGRADE", url: request.url ?? "", bytes: 0 });
		socket.end("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");
	});
	await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
	const address = upstream.address();
	if (!address || typeof address === "string") throw new Error("no port");
	runDir = mkdtempSync(join(tmpdir(), "http-relay-"));
	relays = new HostRelays(runDir);
	await relays.openEgress("gateway", `http://127.0.0.1:${address.port}`, routes);
	socketPath = join(runDir, "egress", "gateway.sock");
});

afterAll(async () => {
	relays?.close();
	await new Promise<void>((resolve) => upstream?.close(() => resolve()));
	rmSync(runDir, { recursive: true, force: true });
});

beforeEach(() => {
	seen.length = 0;
});

/** Sends raw bytes to the relay's socket (as a process in the sandbox would) and reads until it closes. */
function rawExchange(payload: Buffer | string, closeAfterMs = 1500): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = connect(socketPath);
		let answer = "";
		socket.on("data", (chunk) => {
			answer += chunk.toString();
		});
		socket.on("error", (error: NodeJS.ErrnoException) => {
			if (error.code === "ECONNRESET" || error.code === "EPIPE") resolve(answer);
			else reject(error);
		});
		socket.on("close", () => resolve(answer));
		socket.write(payload);
		// A keep-alive answer leaves the connection open: stop listening after a while.
		setTimeout(() => socket.end(), closeAfterMs).unref();
	});
}

function post(path: string, body: string, extra = ""): string {
	return `POST ${path} HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

const statusLines = (answer: string) => answer.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];

describe("matchEgressRoute", () => {
	it("accepts exactly the listed method and path shape", () => {
		expect(matchEgressRoute("POST", `/sessions/${sessionId}/tools/verify`, routes)).toEqual({
			allowed: true,
		});
		for (const [method, target] of [
			["GET", `/sessions/${sessionId}/tools/verify`],
			["POST", `/sessions/${otherSessionId}/tools/verify`],
			["POST", `/sessions/${sessionId}/status`],
			["POST", `/sessions/${sessionId}/tools/verify/extra`],
			["POST", `/sessions/${sessionId}/tools/`],
			["POST", `/sessions/${sessionId}/tools/..`],
			["POST", `/sessions/${sessionId}/tools/%2e%2e`],
			["POST", `/sessions/${sessionId}/tools/verify?x=1`],
			["POST", `/sessions/${sessionId}//tools/verify`],
			["POST", `/sessions/${sessionId}/tools\\verify`],
			["POST", `http://gateway/sessions/${sessionId}/tools/verify`],
			["post", `/sessions/${sessionId}/tools/verify`],
		] as const) {
			expect(matchEgressRoute(method, target, routes).allowed, `${method} ${target}`).toBe(false);
		}
	});
});

describe("the HTTP egress relay", () => {
	it("forwards the session's own tool callback and streams a large body through", async () => {
		const body = JSON.stringify({ toolCallId: "c1", args: { blob: "x".repeat(3 * 1024 * 1024) } });
		const response = await fetchThroughRelay(`/sessions/${sessionId}/tools/verify`, "POST", body);
		expect(response.status).toBe(200);
		expect(JSON.parse(response.body)).toEqual({ ok: true, bytes: Buffer.byteLength(body) });
		expect(seen).toEqual([
			{ method: "POST", url: `/sessions/${sessionId}/tools/verify`, bytes: Buffer.byteLength(body) },
		]);
	});

	it("refuses another session's routes, other methods, traversal and absolute-form targets with 403 JSON, before the target", async () => {
		for (const request of [
			`GET /sessions/${otherSessionId}/status HTTP/1.1\r\nhost: gateway\r\n\r\n`,
			`GET /sessions/${otherSessionId}/sandbox/files HTTP/1.1\r\nhost: gateway\r\n\r\n`,
			post(`/sessions/${otherSessionId}/tools/verify`, "{}"),
			`GET /sessions/${sessionId}/tools/verify HTTP/1.1\r\nhost: gateway\r\n\r\n`,
			`DELETE /sessions/${sessionId}/tools/verify HTTP/1.1\r\nhost: gateway\r\n\r\n`,
			post(`/sessions/${sessionId}/tools/..%2f..%2f${otherSessionId}%2fstatus`, "{}"),
			post(`/sessions/${sessionId}/tools/../../${otherSessionId}/status`, "{}"),
			post(`/sessions/${sessionId}/tools/%76erify`, "{}"),
			post(`http://127.0.0.1/sessions/${sessionId}/tools/verify`, "{}"),
			post(`http://127.0.0.1/sessions/${otherSessionId}/status`, "{}"),
			`CONNECT 127.0.0.1:5432 HTTP/1.1\r\nhost: 127.0.0.1:5432\r\n\r\n`,
		]) {
			const answer = await rawExchange(request);
			expect(answer, request.split("\r\n")[0]).toMatch(/^HTTP\/1\.1 403 /);
			const json = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
			expect(json.error.code).toMatch(/^EGRESS_/);
			expect(json.error.message).toContain("relay");
		}
		expect(seen).toEqual([]);
	});

	it("refuses a WebSocket upgrade, even to an allowed path", async () => {
		const answer = await rawExchange(
			`GET /sessions/${sessionId}/tools/verify HTTP/1.1\r\nhost: gateway\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
		);
		expect(answer).toMatch(/^HTTP\/1\.1 403 /);
		expect(answer).toContain("EGRESS_UPGRADE_FORBIDDEN");
		expect(seen).toEqual([]);
	});

	it("checks every request of a keep-alive connection: a pipelined request that is not allowed is refused", async () => {
		const answer = await rawExchange(
			post(`/sessions/${sessionId}/tools/verify`, '{"toolCallId":"a"}') +
				`GET /sessions/${otherSessionId}/status HTTP/1.1\r\nhost: gateway\r\n\r\n` +
				post(`/sessions/${sessionId}/tools/verify`, '{"toolCallId":"b"}'),
		);
		expect(statusLines(answer)).toEqual(["HTTP/1.1 200", "HTTP/1.1 403"]);
		expect(seen.map((entry) => entry.url)).toEqual([`/sessions/${sessionId}/tools/verify`]);
	});

	it("forwards two allowed requests on one connection", async () => {
		const answer = await rawExchange(
			post(`/sessions/${sessionId}/tools/verify`, '{"toolCallId":"a"}') +
				post(`/sessions/${sessionId}/tools/save_snapshot`, '{"toolCallId":"b"}'),
		);
		expect(statusLines(answer)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200"]);
		expect(seen.map((entry) => entry.url)).toEqual([
			`/sessions/${sessionId}/tools/verify`,
			`/sessions/${sessionId}/tools/save_snapshot`,
		]);
	});

	it("a body cannot smuggle a second request: conflicting framing is refused", async () => {
		const smuggled = `GET /sessions/${otherSessionId}/status HTTP/1.1\r\nhost: gateway\r\n\r\n`;
		const answer = await rawExchange(
			`POST /sessions/${sessionId}/tools/verify HTTP/1.1\r\nhost: gateway\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
		);
		expect(answer).toMatch(/^HTTP\/1\.1 400 /);
		expect(seen.some((entry) => entry.url.includes(otherSessionId))).toBe(false);
	});

	it("answers malformed HTTP and oversized headers without reaching the target", async () => {
		expect(await rawExchange("HELLO\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
		const huge = `POST /sessions/${sessionId}/tools/verify HTTP/1.1\r\nhost: gateway\r\nx-padding: ${"a".repeat(relayMaxHeaderBytes + 10)}\r\ncontent-length: 2\r\n\r\n{}`;
		expect(await rawExchange(huge)).toMatch(/^HTTP\/1\.1 431 /);
		expect(seen).toEqual([]);
	});
});

/** An ordinary HTTP client request through the relay's unix socket. */
async function fetchThroughRelay(
	path: string,
	method: string,
	body: string,
): Promise<{ status: number; body: string }> {
	const { request } = await import("node:http");
	return new Promise((resolve, reject) => {
		const outgoing = request(
			{ socketPath, path, method, headers: { "content-type": "application/json" } },
			(response) => {
				let text = "";
				response.on("data", (chunk: Buffer) => {
					text += chunk.toString();
				});
				response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
			},
		);
		outgoing.on("error", reject);
		outgoing.end(body);
	});
}
