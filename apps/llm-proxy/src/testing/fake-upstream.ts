import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for OpenAI and Anthropic: a real HTTP server speaking both protocols
 * (`POST …/chat/completions`, `POST …/messages`, streaming and not). Answers are deterministic
 * (ids derive from the request body), so a response fetched directly and one fetched through the
 * proxy can be compared byte for byte. The upstream model name picks a behaviour:
 * `error-500…` answers 500, `error-429…` answers 429, `hang…` never answers, `slow…` streams one chunk every 50 ms,
 * `no-usage…` reports no usage at all (as some OpenAI-compatible servers do).
 * Every answer carries the vendor's rate-limit headers (`x-ratelimit-*`, `anthropic-ratelimit-*`).
 */
export interface FakeUpstream {
	url: string;
	server: Server;
	/** Every request received: path, headers and parsed body. */
	requests: { path: string; headers: IncomingMessage["headers"]; body: Record<string, unknown> }[];
	/** Streams the client (the proxy) cut off before the end. */
	abortedStreams: number;
	close: () => Promise<void>;
}

/** The usage every answer reports (OpenAI counts cached tokens inside prompt_tokens). */
export const fakeUsage = {
	openai: {
		prompt_tokens: 1200,
		completion_tokens: 345,
		total_tokens: 1545,
		prompt_tokens_details: { cached_tokens: 200 },
	},
	anthropic: {
		input_tokens: 1000,
		output_tokens: 345,
		cache_read_input_tokens: 200,
		cache_creation_input_tokens: 50,
	},
};

/** Rate-limit headers each vendor sends (the proxy passes them on). */
export const fakeRateLimitHeaders = {
	openai: {
		"x-ratelimit-limit-requests": "500",
		"x-ratelimit-remaining-requests": "499",
		"x-ratelimit-reset-requests": "120ms",
	},
	anthropic: {
		"anthropic-ratelimit-requests-limit": "100",
		"anthropic-ratelimit-requests-remaining": "99",
		"anthropic-ratelimit-requests-reset": "2026-01-01T00:00:00Z",
	},
};

const words = "The quick brown fox jumps over the lazy dog and keeps on running through the field".split(" ");

function idOf(body: string): string {
	return createHash("sha256").update(body).digest("hex").slice(0, 16);
}

async function readText(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString("utf8");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function createFakeUpstream(
	options: { port?: number; recordRequests?: boolean } = {},
): Promise<FakeUpstream> {
	const state: FakeUpstream = {
		url: "",
		server: undefined as unknown as Server,
		requests: [],
		abortedStreams: 0,
		close: async () => {},
	};

	async function streamEvents(
		response: ServerResponse,
		events: string[],
		delayMs: number,
		headers: Record<string, string>,
	) {
		response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers });
		let closed = false;
		response.on("close", () => {
			if (!response.writableFinished) {
				closed = true;
				state.abortedStreams += 1;
			}
		});
		for (const event of events) {
			if (closed) return;
			response.write(event);
			if (delayMs) await sleep(delayMs);
		}
		if (!closed) response.end();
	}

	function openai(response: ServerResponse, body: Record<string, unknown>, id: string) {
		const model = String(body.model);
		const stream = body.stream === true;
		const reportsUsage = !model.startsWith("no-usage");
		if (!stream) {
			const text = JSON.stringify({
				id: `chatcmpl-${id}`,
				object: "chat.completion",
				created: 1700000000,
				model,
				choices: [
					{ index: 0, message: { role: "assistant", content: words.join(" ") }, finish_reason: "stop" },
				],
				...(reportsUsage ? { usage: fakeUsage.openai } : {}),
			});
			response.writeHead(200, {
				"content-type": "application/json",
				"content-length": Buffer.byteLength(text),
				...fakeRateLimitHeaders.openai,
			});
			response.end(text);
			return;
		}
		const slow = model.startsWith("slow");
		const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
			`data: ${JSON.stringify({ id: `chatcmpl-${id}`, object: "chat.completion.chunk", created: 1700000000, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
		const events = [chunk({ role: "assistant", content: "" })];
		const count = slow ? 200 : words.length;
		for (let index = 0; index < count; index++)
			events.push(chunk({ content: `${words[index % words.length]} ` }));
		events.push(chunk({}, "stop"));
		const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
		if (includeUsage && reportsUsage)
			events.push(
				`data: ${JSON.stringify({ id: `chatcmpl-${id}`, object: "chat.completion.chunk", created: 1700000000, model, choices: [], usage: fakeUsage.openai })}\n\n`,
			);
		events.push("data: [DONE]\n\n");
		return streamEvents(response, events, slow ? 50 : 0, fakeRateLimitHeaders.openai);
	}

	function anthropic(response: ServerResponse, body: Record<string, unknown>, id: string) {
		const model = String(body.model);
		const text = words.join(" ");
		if (body.stream !== true) {
			const payload = JSON.stringify({
				id: `msg_${id}`,
				type: "message",
				role: "assistant",
				model,
				content: [{ type: "text", text }],
				stop_reason: "end_turn",
				stop_sequence: null,
				usage: fakeUsage.anthropic,
			});
			response.writeHead(200, {
				"content-type": "application/json",
				"content-length": Buffer.byteLength(payload),
				"request-id": `req_${id}`,
				...fakeRateLimitHeaders.anthropic,
			});
			response.end(payload);
			return;
		}
		const slow = model.startsWith("slow");
		const event = (name: string, data: Record<string, unknown>) =>
			`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
		const { output_tokens: _output, ...inputUsage } = fakeUsage.anthropic;
		const events = [
			event("message_start", {
				type: "message_start",
				message: {
					id: `msg_${id}`,
					type: "message",
					role: "assistant",
					model,
					content: [],
					stop_reason: null,
					usage: { ...inputUsage, output_tokens: 1 },
				},
			}),
			event("content_block_start", {
				type: "content_block_start",
				index: 0,
				content_block: { type: "text", text: "" },
			}),
			event("ping", { type: "ping" }),
		];
		const count = slow ? 200 : words.length;
		for (let index = 0; index < count; index++)
			events.push(
				event("content_block_delta", {
					type: "content_block_delta",
					index: 0,
					delta: { type: "text_delta", text: `${words[index % words.length]} ` },
				}),
			);
		events.push(event("content_block_stop", { type: "content_block_stop", index: 0 }));
		events.push(
			event("message_delta", {
				type: "message_delta",
				delta: { stop_reason: "end_turn", stop_sequence: null },
				usage: { output_tokens: fakeUsage.anthropic.output_tokens },
			}),
		);
		events.push(event("message_stop", { type: "message_stop" }));
		return streamEvents(response, events, slow ? 50 : 0, fakeRateLimitHeaders.anthropic);
	}

	const server = createServer(async (request, response) => {
		const path = (request.url ?? "/").split("?")[0] ?? "/";
		const raw = await readText(request);
		let body: Record<string, unknown>;
		try {
			body = JSON.parse(raw);
		} catch {
			response.writeHead(400, { "content-type": "application/json" });
			response.end(JSON.stringify({ error: { message: "invalid json", type: "invalid_request_error" } }));
			return;
		}
		if (options.recordRequests !== false) state.requests.push({ path, headers: request.headers, body });
		const model = String(body.model ?? "");
		if (model.startsWith("hang")) return;
		if (model.startsWith("error-429")) {
			response.writeHead(429, {
				"content-type": "application/json",
				"retry-after": "7",
				"retry-after-ms": "7000",
				...fakeRateLimitHeaders.openai,
				"x-ratelimit-remaining-requests": "0",
			});
			response.end(JSON.stringify({ error: { message: "slow down", type: "rate_limit_error" } }));
			return;
		}
		if (model.startsWith("error-500")) {
			response.writeHead(500, { "content-type": "application/json" });
			response.end(JSON.stringify({ error: { message: "upstream exploded", type: "server_error" } }));
			return;
		}
		const id = idOf(raw);
		if (request.method === "POST" && path.endsWith("/chat/completions")) return openai(response, body, id);
		if (request.method === "POST" && path.endsWith("/messages")) return anthropic(response, body, id);
		response.writeHead(404, { "content-type": "application/json" });
		response.end(JSON.stringify({ error: { message: `no route ${path}` } }));
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
	state.server = server;
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	state.close = () =>
		new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
	return state;
}
