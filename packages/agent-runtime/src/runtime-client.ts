import { createOpencodeClient, type OpencodeClient, type Event as OpencodeEvent } from "@opencode-ai/sdk/v2";
import { DomainError, PROCESS_LOG_MARKERS, type SessionEventInput } from "@proliferate/shared";
import { OpencodeEventMapper } from "./event-mapper";
import { modelRetriesExhausted } from "./model-retry-guard";

export type { OpencodeEvent };

export class AgentBootError extends DomainError {
	constructor(message: string, logTail: string) {
		super(
			"unavailable",
			"AGENT_BOOT_FAILED",
			`${message}${logTail ? `\n--- OpenCode log ---\n${logTail}` : ""}`,
			{
				logTail,
			},
		);
	}
}

export class AgentRequestError extends DomainError {
	constructor(operation: string, detail: string) {
		super("unavailable", "AGENT_REQUEST_FAILED", `OpenCode ${operation} failed: ${detail}`);
	}
}

export interface AgentRuntimeOptions {
	/** OpenCode's base URL as the platform reaches it (the sandbox port relay). */
	baseUrl: string;
	password: string;
	/** Reads OpenCode's log (for the readiness line and error reports). */
	readLog?: () => Promise<string>;
}

export interface PromptInput {
	text: string;
	/** data: URIs of images. */
	images?: string[];
	messageId?: string;
}

export interface SessionEventsOptions {
	/** Ends the stream. */
	signal: AbortSignal;
	/** The sandbox's workspace directory (changed files are reported relative to it). */
	workspaceDir: string;
	/**
	 * A turn another reader (a gateway instance that lost the session) published part of: message
	 * id → part id → text already published. Those messages are not announced again, and the text
	 * streamed while nobody listened is caught up from OpenCode's messages once the stream is open.
	 */
	resume?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

const readyLine = "opencode server listening";

/** The part of a process log written by its latest start (providers mark each start). */
export function currentRun(log: string): string {
	const start = log.lastIndexOf(PROCESS_LOG_MARKERS.starting);
	return start === -1 ? log : log.slice(start);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function unwrap<T>(operation: string, result: { data?: T; error?: unknown; response?: Response }): T {
	if (result.error !== undefined || result.data === undefined) {
		const status = result.response?.status;
		throw new AgentRequestError(
			operation,
			`${status ?? "no response"} ${JSON.stringify(result.error ?? "")}`.trim(),
		);
	}
	return result.data;
}

/**
 * The adapter over OpenCode's HTTP API: readiness, sessions, prompts, abort, messages, the raw
 * event stream and a session's events mapped to the platform's protocol (`sessionEvents`). Every request has a timeout; none is sent before OpenCode is ready
 * (requests that arrive before its "listening" line are never answered).
 */
export class AgentRuntime {
	readonly client: OpencodeClient;
	private readonly authorization: string;

	constructor(private readonly options: AgentRuntimeOptions) {
		this.authorization = `Basic ${Buffer.from(`opencode:${options.password}`).toString("base64")}`;
		this.client = createOpencodeClient({
			baseUrl: options.baseUrl,
			headers: { authorization: this.authorization },
			fetch: (input: string | URL | Request, init?: RequestInit) =>
				fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(30_000) }),
		});
	}

	private async logTail(): Promise<string> {
		try {
			return (await this.options.readLog?.())?.split("\n").slice(-30).join("\n") ?? "";
		} catch {
			return "";
		}
	}

	/**
	 * Waits for the listening line (when the log is readable) and a healthy answer, with backoff and a
	 * deadline. OpenCode exiting before it listens (a bad binary or configuration) fails at once.
	 */
	async waitUntilReady(deadlineMs = 60_000): Promise<void> {
		const deadline = Date.now() + deadlineMs;
		// Short polls: OpenCode is usually up in 1–3 s, and every poll cycle of lag adds to session boot.
		let delay = 50;
		let sawListening = this.options.readLog === undefined;
		while (Date.now() < deadline) {
			if (!sawListening) {
				const run = currentRun((await this.options.readLog?.().catch(() => "")) ?? "");
				sawListening = run.includes(readyLine);
				if (!sawListening && run.includes(PROCESS_LOG_MARKERS.exited)) {
					throw new AgentBootError("OpenCode exited while starting", await this.logTail());
				}
			}
			if (sawListening) {
				try {
					const response = await fetch(`${this.options.baseUrl}/global/health`, {
						headers: { authorization: this.authorization },
						signal: AbortSignal.timeout(1500),
					});
					if (response.ok) return;
				} catch {
					// not answering yet
				}
			}
			await sleep(delay);
			delay = Math.min(delay * 1.5, 250);
		}
		throw new AgentBootError(
			`OpenCode did not become ready within ${Math.round(deadlineMs / 1000)}s`,
			await this.logTail(),
		);
	}

	/**
	 * Waits until every configured MCP server (the platform tools) is connected: a prompt sent
	 * earlier would run without those tools. A server that failed is reported with the log tail.
	 */
	async waitForMcpServers(expected: string[], deadlineMs = 30_000): Promise<void> {
		const deadline = Date.now() + deadlineMs;
		let last = "";
		while (Date.now() < deadline) {
			try {
				const response = await fetch(`${this.options.baseUrl}/mcp`, {
					headers: { authorization: this.authorization },
					signal: AbortSignal.timeout(3000),
				});
				const servers = (await response.json()) as Record<string, { status?: string; error?: string }>;
				const states = Object.entries(servers);
				last = JSON.stringify(servers);
				const failed = states.find(([, state]) => state.status === "failed");
				if (failed)
					throw new AgentBootError(
						`The ${failed[0]} tools failed to start: ${failed[1].error ?? "unknown error"}`,
						await this.logTail(),
					);
				if (expected.every((name) => servers[name]?.status === "connected")) return;
			} catch (error) {
				if (error instanceof AgentBootError) throw error;
			}
			await sleep(100);
		}
		throw new AgentBootError(`The platform tools did not connect in time (${last})`, await this.logTail());
	}

	async createSession(title: string): Promise<string> {
		// Always pass a title: without one OpenCode makes an extra model call to invent it.
		const session = unwrap("create session", await this.client.session.create({ title }));
		return session.id;
	}

	async sessionExists(sessionId: string): Promise<boolean> {
		const result = await this.client.session.get({ sessionID: sessionId });
		return result.data !== undefined && result.error === undefined;
	}

	async prompt(sessionId: string, input: PromptInput): Promise<void> {
		const parts: NonNullable<Parameters<OpencodeClient["session"]["promptAsync"]>[0]["parts"]> = [
			{ type: "text", text: input.text },
		];
		for (const [index, image] of (input.images ?? []).entries()) {
			const mime = image.slice(5, image.indexOf(";")) || "image/png";
			parts.push({
				type: "file",
				mime,
				url: image,
				filename: `image-${index + 1}.${mime.split("/")[1] ?? "png"}`,
			});
		}
		const result = await this.client.session.promptAsync({
			sessionID: sessionId,
			parts,
			...(input.messageId ? { messageID: input.messageId } : {}),
		});
		if (result.error !== undefined) throw new AgentRequestError("prompt", JSON.stringify(result.error));
	}

	async abort(sessionId: string): Promise<void> {
		const result = await this.client.session.abort({ sessionID: sessionId });
		if (result.error !== undefined) throw new AgentRequestError("abort", JSON.stringify(result.error));
	}

	/** Whether OpenCode is working on the session now (`GET /session/status` lists the busy ones). */
	async isBusy(sessionId: string): Promise<boolean> {
		const statuses = unwrap("session status", await this.client.session.status());
		const status = statuses[sessionId];
		return status !== undefined && status.type !== "idle";
	}

	async messages(sessionId: string) {
		return unwrap("list messages", await this.client.session.messages({ sessionID: sessionId }));
	}

	/**
	 * One OpenCode session's events in the platform's protocol, ready to publish: OpenCode's event
	 * stream read (reconnecting until `signal` aborts) and mapped (`OpencodeEventMapper`); a resumed
	 * turn caught up once the stream is open; and a turn whose model requests keep failing ended
	 * with a retryable `MODEL_UNAVAILABLE` error (OpenCode would retry forever; the turn is aborted).
	 */
	async *sessionEvents(
		opencodeSessionId: string,
		options: SessionEventsOptions,
	): AsyncGenerator<SessionEventInput> {
		const mapper = new OpencodeEventMapper(opencodeSessionId, options.workspaceDir);
		if (options.resume) mapper.resume(options.resume);
		let caughtUp = !options.resume;
		let gaveUp = false;
		for await (const event of this.events(options.signal)) {
			if (!caughtUp) {
				// Subscribed: now the text streamed while nobody listened can be fetched without a gap.
				caughtUp = true;
				const messages = await this.messages(opencodeSessionId);
				yield* mapper.catchUp(messages as Parameters<typeof mapper.catchUp>[0]);
			}
			yield* mapper.map(event);
			const exhausted = modelRetriesExhausted(event, opencodeSessionId);
			if (exhausted && !gaveUp) {
				gaveUp = true;
				yield { type: "error", code: "MODEL_UNAVAILABLE", message: exhausted.message, retryable: true };
				await this.abort(opencodeSessionId).catch(() => {});
			}
			if (event.type === "session.idle") gaveUp = false;
		}
	}

	/**
	 * OpenCode's event stream (`GET /event`), reconnecting with backoff until `signal` aborts.
	 * Heartbeats are dropped; everything else is yielded in order.
	 */
	async *events(signal: AbortSignal): AsyncGenerator<OpencodeEvent> {
		let delay = 250;
		while (!signal.aborted) {
			try {
				const response = await fetch(`${this.options.baseUrl}/event`, {
					headers: { authorization: this.authorization, accept: "text/event-stream" },
					signal,
				});
				if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
				delay = 250;
				const decoder = new TextDecoder();
				let buffer = "";
				for await (const chunk of response.body) {
					buffer += decoder.decode(chunk as Uint8Array, { stream: true });
					let boundary = buffer.indexOf("\n\n");
					while (boundary !== -1) {
						const block = buffer.slice(0, boundary);
						buffer = buffer.slice(boundary + 2);
						boundary = buffer.indexOf("\n\n");
						const data = block
							.split("\n")
							.filter((line) => line.startsWith("data:"))
							.map((line) => line.slice(5).trimStart())
							.join("\n");
						if (!data) continue;
						const event = JSON.parse(data) as OpencodeEvent | { type: "server.heartbeat" };
						if (event.type === "server.heartbeat") continue;
						yield event as OpencodeEvent;
					}
				}
			} catch (error) {
				if (signal.aborted) return;
				void error;
			}
			await sleep(delay);
			delay = Math.min(delay * 2, 5000);
		}
	}
}
