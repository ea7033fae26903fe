import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SessionEventInput } from "@proliferate/shared";
import { afterEach, describe, expect, it } from "vitest";
import { AgentRuntime } from "./runtime-client";

/** A stand-in for OpenCode's HTTP API: the event stream, a session's messages, and abort (which ends the turn). */
async function fakeOpencode(input: { events: object[]; messages?: object[] }) {
	const aborted: string[] = [];
	const streams = new Set<ServerResponse>();
	const server = createServer((request, response) => {
		const url = new URL(request.url ?? "/", "http://opencode");
		if (url.pathname === "/event") {
			streams.add(response);
			response.writeHead(200, { "content-type": "text/event-stream" });
			for (const event of input.events) response.write(`data: ${JSON.stringify(event)}\n\n`);
			return;
		}
		const abort = url.pathname.match(/^\/session\/([^/]+)\/abort$/);
		if (request.method === "POST" && abort?.[1]) {
			aborted.push(abort[1]);
			const idle = { type: "session.idle", properties: { sessionID: abort[1] } };
			for (const stream of streams) stream.write(`data: ${JSON.stringify(idle)}\n\n`);
		}
		response.writeHead(200, { "content-type": "application/json" });
		response.end(JSON.stringify(abort ? true : (input.messages ?? [])));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const close = () => {
		for (const stream of streams) stream.end();
		server.closeAllConnections();
		return new Promise<void>((resolve) => server.close(() => resolve()));
	};
	return { aborted, close, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Reads the session's protocol events until `until` says the turn is over. */
async function readUntil(
	agent: AgentRuntime,
	options: { resume?: ReadonlyMap<string, ReadonlyMap<string, string>> },
	until: (events: SessionEventInput[]) => boolean,
): Promise<SessionEventInput[]> {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), 10_000);
	const events: SessionEventInput[] = [];
	for await (const event of agent.sessionEvents("ses_1", {
		signal: controller.signal,
		workspaceDir: "/home/user/workspace",
		...options,
	})) {
		events.push(event);
		if (until(events)) break;
	}
	controller.abort();
	clearTimeout(timer);
	return events;
}

let opencode: Awaited<ReturnType<typeof fakeOpencode>> | undefined;
afterEach(async () => {
	await opencode?.close();
	opencode = undefined;
});

describe("AgentRuntime.sessionEvents", () => {
	it("continues a resumed turn: catches up from OpenCode's messages, then adds only what is missing", async () => {
		opencode = await fakeOpencode({
			messages: [
				{
					info: { id: "msg_1", role: "assistant" },
					parts: [{ id: "part_1", type: "text", text: "Hello wor" }],
				},
			],
			events: [
				{ type: "server.connected", properties: {} },
				// A delta of a part that was streaming before the takeover: not trusted (some were missed).
				{
					type: "message.part.delta",
					properties: {
						sessionID: "ses_1",
						messageID: "msg_1",
						partID: "part_1",
						field: "text",
						delta: "ld",
					},
				},
				{
					type: "message.part.updated",
					properties: {
						part: { id: "part_1", messageID: "msg_1", sessionID: "ses_1", type: "text", text: "Hello world" },
					},
				},
				{ type: "session.idle", properties: { sessionID: "ses_1" } },
			],
		});
		const agent = new AgentRuntime({ baseUrl: opencode.url, password: "p" });
		const events = await readUntil(
			agent,
			{ resume: new Map([["msg_1", new Map([["part_1", "Hello"]])]]) },
			(seen) => seen.some((event) => event.type === "session.status"),
		);
		expect(events).toEqual([
			{ type: "message.delta", messageId: "msg_1", partId: "part_1", delta: " wor" },
			{ type: "message.delta", messageId: "msg_1", partId: "part_1", delta: "ld" },
			{ type: "message.completed", messageId: "msg_1", text: "Hello world", finishReason: "stop" },
			{ type: "session.status", status: "idle" },
		]);
	});

	it("ends a turn whose model keeps failing with MODEL_UNAVAILABLE and aborts it", async () => {
		opencode = await fakeOpencode({
			events: [
				{
					type: "session.status",
					properties: { sessionID: "ses_1", status: { type: "retry", attempt: 5, message: "502", next: 0 } },
				},
			],
		});
		const agent = new AgentRuntime({ baseUrl: opencode.url, password: "p" });
		// The turn ends when OpenCode, aborted, goes idle.
		const events = await readUntil(agent, {}, (seen) =>
			seen.some((event) => event.type === "session.status" && event.status === "idle"),
		);
		expect(events).toMatchObject([
			{ type: "session.status", status: "running", message: expect.stringContaining("attempt 5") },
			{ type: "error", code: "MODEL_UNAVAILABLE", retryable: true },
			{ type: "session.status", status: "idle" },
		]);
		expect(opencode.aborted).toEqual(["ses_1"]);
	});
});
