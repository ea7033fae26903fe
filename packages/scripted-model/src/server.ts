import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, readBody, sendJson } from "@proliferate/http-kit";
import { type ChatMessage, fillPlaceholders, messageText, planReply } from "./conversation";
import { builtInScripts, type Script } from "./scripts";

export interface ScriptedModelOptions {
	port?: number;
	host?: string;
	scripts?: Script[];
	/** When set, requests must carry `Authorization: Bearer <apiKey>`. */
	apiKey?: string;
	/** Called for every completion request (for logs and tests). */
	onRequest?: (info: {
		model: string;
		scriptName: string;
		stream: boolean;
		tools: number;
		toolNames: string[];
		/** Text of the request's last message (the prompt, or the output of the tool just run). */
		lastMessage: string;
	}) => void;
}

export interface ScriptedModelServer {
	url: string;
	port: number;
	server: Server;
	close: () => Promise<void>;
}

const maxBodyBytes = 8 * 1024 * 1024;

/** OpenAI's error shape (`{error: {message, type, code}}`), which its SDKs and OpenCode parse. */
function sendError(
	response: ServerResponse,
	status: number,
	message: string,
	type = "invalid_request_error",
): void {
	sendJson(response, status, { error: { message, type, code: null } });
}

const approximateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real OpenAI Chat Completions server (streaming and not, with tool calls) that answers from
 * deterministic scripts. It is the platform's built-in "Scripted demo model".
 */
export async function createScriptedModelServer(
	options: ScriptedModelOptions = {},
): Promise<ScriptedModelServer> {
	const scripts = new Map((options.scripts ?? builtInScripts).map((script) => [script.name, script]));
	let requestNumber = 0;

	const server = createServer(async (request, response) => {
		const url = new URL(request.url ?? "/", "http://localhost");
		if (request.method === "GET" && url.pathname === "/health")
			return sendJson(response, 200, { status: "ok" });
		if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
			return sendError(response, 401, "Invalid API key", "authentication_error");
		}
		if (request.method === "GET" && url.pathname.endsWith("/models")) {
			return sendJson(response, 200, {
				object: "list",
				data: [...scripts.keys()].map((id) => ({
					id,
					object: "model",
					created: 0,
					owned_by: "proliferate-scripted",
				})),
			});
		}
		if (request.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
			return sendError(response, 404, `No route for ${request.method} ${url.pathname}`);
		}
		let body: {
			model?: unknown;
			messages?: unknown;
			tools?: unknown;
			stream?: unknown;
			stream_options?: unknown;
		};
		try {
			body = JSON.parse((await readBody(request, maxBodyBytes)).toString("utf8"));
		} catch (error) {
			if (error instanceof BodyTooLargeError) return sendError(response, 400, error.message);
			return sendError(
				response,
				400,
				`Invalid JSON body: ${error instanceof Error ? error.message : "parse error"}`,
			);
		}
		if (!Array.isArray(body.messages) || body.messages.length === 0) {
			return sendError(response, 400, "`messages` must be a non-empty array");
		}
		const messages = body.messages as ChatMessage[];
		const model = typeof body.model === "string" ? body.model : "demo";
		const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
		const stream = body.stream === true;
		const id = `chatcmpl-scripted-${++requestNumber}`;
		const created = Math.floor(Date.now() / 1000);

		// Requests without tools are OpenCode's title/summary helpers: answer briefly.
		const plan = hasTools
			? planReply(messages, model, scripts)
			: {
					scriptName: "aux",
					body: { text: messageText(messages.at(-1)).slice(0, 40) || "Session" },
					finished: true,
				};
		const toolNames = hasTools
			? (body.tools as { function?: { name?: string } }[])
					.map((tool) => tool.function?.name ?? "")
					.filter(Boolean)
			: [];
		options.onRequest?.({
			model,
			scriptName: plan.scriptName,
			stream,
			tools: toolNames.length,
			toolNames,
			lastMessage: messageText(messages.at(-1)),
		});
		const turn = fillPlaceholders(plan.body, messages);
		const toolCalls = (turn.toolCalls ?? []).map((call, index) => ({
			id: `call_${requestNumber}_${index}`,
			type: "function" as const,
			function: { name: call.name, arguments: JSON.stringify(call.arguments) },
		}));
		const finishReason = toolCalls.length > 0 ? "tool_calls" : "stop";
		const promptTokens = approximateTokens(JSON.stringify(messages));
		const completionTokens = approximateTokens((turn.text ?? "") + JSON.stringify(toolCalls));
		const usage = {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens,
		};

		if (!stream) {
			return sendJson(response, 200, {
				id,
				object: "chat.completion",
				created,
				model,
				choices: [
					{
						index: 0,
						message: {
							role: "assistant",
							content: turn.text ?? null,
							...(toolCalls.length ? { tool_calls: toolCalls } : {}),
						},
						finish_reason: finishReason,
					},
				],
				usage,
			});
		}

		response.writeHead(200, {
			"content-type": "text/event-stream",
			"cache-control": "no-cache",
			connection: "keep-alive",
		});
		let aborted = false;
		response.on("close", () => {
			if (!response.writableFinished) aborted = true;
		});
		const delay = turn.chunkDelayMs ?? 0;
		const send = async (delta: Record<string, unknown>, finish: string | null = null) => {
			if (aborted) return;
			response.write(
				`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
			);
			if (delay) await sleep(delay);
		};
		await send({ role: "assistant", content: "" });
		for (const word of (turn.text ?? "").split(/(?<= )/)) {
			if (word) await send({ content: word });
		}
		for (const [index, call] of toolCalls.entries()) {
			await send({
				tool_calls: [
					{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } },
				],
			});
			const half = Math.ceil(call.function.arguments.length / 2);
			await send({
				tool_calls: [{ index, function: { arguments: call.function.arguments.slice(0, half) } }],
			});
			await send({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(half) } }] });
		}
		await send({}, finishReason);
		if (aborted) return;
		response.write(
			`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
		);
		response.end("data: [DONE]\n\n");
	});

	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://${options.host ?? "127.0.0.1"}:${port}/v1`,
		port,
		server,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
