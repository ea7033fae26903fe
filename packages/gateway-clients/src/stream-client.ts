import {
	type ClientCommand,
	closeCodes,
	MAX_CLIENT_FRAME_BYTES,
	type MessageSource,
	type ServerFrame,
	type SessionEvent,
} from "@proliferate/shared/events";
import { type GatewayAuth, resolveToken } from "./auth";

/** The subset of the WebSocket API the client needs (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
	readonly readyState: number;
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: ((event: unknown) => void) | null;
	onmessage: ((event: { data: unknown }) => void) | null;
	onclose: ((event: { code: number; reason: string }) => void) | null;
	onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface ConnectOptions {
	onEvent: (event: SessionEvent) => void;
	/** Connection state changes (for a "reconnecting…" indicator). */
	onState?: (state: ConnectionState, detail?: string) => void;
	/** Error frames without a request id (refusals, invalid frames). */
	onError?: (error: { code: string; message: string }) => void;
	/** Resume after this seq (0 = from the beginning). */
	after?: number;
}

export class StreamRequestError extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = "StreamRequestError";
	}
}

type CommandInput = ClientCommand extends infer C
	? C extends ClientCommand
		? Omit<C, "requestId">
		: never
	: never;

export interface SessionStream {
	readonly lastSeq: number;
	readonly state: ConnectionState;
	/** Sends a command and resolves with its ack result (rejects with its error frame). */
	request<T = unknown>(command: CommandInput): Promise<T>;
	sendPrompt(content: string, images?: string[]): Promise<{ messageId: string }>;
	cancel(): Promise<void>;
	runCommand(command: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
	git: {
		status(): Promise<unknown>;
		diff(
			path?: string,
		): Promise<{ diff: string; truncated: boolean; files: { path: string; status: string }[] }>;
		createBranch(branchName: string): Promise<unknown>;
		commit(message: string, options?: { includeUntracked?: boolean; files?: string[] }): Promise<unknown>;
		push(): Promise<unknown>;
		createPullRequest(input: { title: string; body?: string; baseBranch?: string }): Promise<unknown>;
	};
	close(): void;
}

/** Close codes after which reconnecting cannot help. */
const terminalCodes = new Set<number>([closeCodes.unauthorized, closeCodes.forbidden, closeCodes.notFound]);

export interface StreamClientOptions {
	baseUrl: string;
	auth: GatewayAuth;
	source: MessageSource;
	WebSocket?: WebSocketConstructor;
	/** Reconnect backoff: base and cap in ms. */
	reconnect?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
	/**
	 * Client-side pacing, kept under the gateway's per-connection rate limit (which drops frames with
	 * a `RATE_LIMITED` error and closes 1008 when a client keeps flooding): at most `burst` frames at
	 * once, then `perSecond`. Requests beyond it wait in order.
	 */
	pacing?: { burst?: number; perSecond?: number };
}

/** Error codes of the gateway's frame limits (see `closeCodes` for the matching closes). */
export const frameLimitErrorCodes = {
	/** A frame over `MAX_CLIENT_FRAME_BYTES` (the gateway closes 1009; the client refuses to send it). */
	tooLarge: "FRAME_TOO_LARGE",
	/** A frame over the connection's rate was dropped; slow down (persisting closes 1008). */
	rateLimited: "RATE_LIMITED",
} as const;

export function connectSessionStream(
	options: StreamClientOptions,
	sessionId: string,
	handlers: ConnectOptions,
): SessionStream {
	const FoundSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
	if (!FoundSocket)
		throw new Error("No WebSocket implementation: pass `WebSocket` (e.g. from the ws package) in Node");
	const Socket: WebSocketConstructor = FoundSocket;
	let baseUrl = options.baseUrl.replace(/\/$/, "");
	let lastSeq = handlers.after ?? 0;
	let socket: WebSocketLike | undefined;
	let state: ConnectionState = "connecting";
	let closedByUser = false;
	let attempt = 0;
	let nextRequestId = 1;
	const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
	const queue: string[] = [];
	const baseDelay = options.reconnect?.baseDelayMs ?? 250;
	const maxDelay = options.reconnect?.maxDelayMs ?? 10_000;
	const maxAttempts = options.reconnect?.maxAttempts ?? 50;
	const burst = options.pacing?.burst ?? 30;
	const perSecond = options.pacing?.perSecond ?? 15;
	let tokens = burst;
	let refilledAt = Date.now();
	let pacingTimer: ReturnType<typeof setTimeout> | undefined;
	const encoder = new TextEncoder();

	/** Sends queued frames while the pacing allows; waits for the next token otherwise. */
	function flush() {
		if (pacingTimer) return;
		const now = Date.now();
		tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * perSecond);
		refilledAt = now;
		while (queue.length > 0 && state === "open" && socket && tokens >= 1) {
			tokens -= 1;
			socket.send(queue.shift() as string);
		}
		if (queue.length > 0 && state === "open") {
			pacingTimer = setTimeout(
				() => {
					pacingTimer = undefined;
					flush();
				},
				Math.ceil(((1 - tokens) / perSecond) * 1000),
			);
		}
	}

	const setState = (next: ConnectionState, detail?: string) => {
		state = next;
		handlers.onState?.(next, detail);
	};

	function handleFrame(frame: ServerFrame) {
		switch (frame.kind) {
			case "event":
				if (frame.event.seq <= lastSeq) return;
				lastSeq = frame.event.seq;
				handlers.onEvent(frame.event);
				return;
			case "ack":
				pending.get(frame.requestId)?.resolve(frame.result);
				pending.delete(frame.requestId);
				return;
			case "pong":
				if (frame.requestId) {
					pending.get(frame.requestId)?.resolve(undefined);
					pending.delete(frame.requestId);
				}
				return;
			case "error":
				if (frame.requestId && pending.has(frame.requestId)) {
					pending.get(frame.requestId)?.reject(new StreamRequestError(frame.code, frame.message));
					pending.delete(frame.requestId);
				} else {
					// The gateway dropped a frame for the rate: send nothing more for a moment.
					if (frame.code === frameLimitErrorCodes.rateLimited) tokens = Math.min(tokens, 0);
					handlers.onError?.({ code: frame.code, message: frame.message });
				}
				return;
			case "ready":
				attempt = 0;
				setState("open");
				flush();
				return;
		}
	}

	async function open() {
		const token = await resolveToken(options.auth);
		const url = `${baseUrl.replace(/^http/, "ws")}/sessions/${encodeURIComponent(sessionId)}/stream?after=${lastSeq}&token=${encodeURIComponent(token)}`;
		const ws = new Socket(url);
		socket = ws;
		ws.onmessage = (message) => {
			try {
				handleFrame(JSON.parse(String(message.data)) as ServerFrame);
			} catch {
				// ignore frames we cannot read
			}
		};
		ws.onerror = () => {};
		ws.onclose = (event) => {
			if (socket !== ws) return;
			for (const entry of pending.values())
				entry.reject(
					new StreamRequestError("CONNECTION_LOST", "The connection closed before an answer arrived"),
				);
			pending.clear();
			if (pacingTimer) clearTimeout(pacingTimer);
			pacingTimer = undefined;
			if (closedByUser) return setState("closed");
			if (terminalCodes.has(event.code)) return setState("closed", event.reason);
			if (event.code === closeCodes.wrongInstance && event.reason.startsWith("owner=")) {
				const owner = event.reason.slice(6);
				if (owner) baseUrl = owner.replace(/\/$/, "");
			}
			// A redirect target that went away: fall back to the address we were given.
			if (event.code === 1006 && baseUrl !== options.baseUrl.replace(/\/$/, ""))
				baseUrl = options.baseUrl.replace(/\/$/, "");
			if (++attempt > maxAttempts) return setState("closed", "gave up reconnecting");
			setState("reconnecting", event.reason);
			const delay =
				event.code === closeCodes.wrongInstance && attempt === 1
					? 0
					: Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
			setTimeout(
				() => void open().catch(() => ws.onclose?.({ code: 1006, reason: "connect failed" })),
				delay * (0.75 + Math.random() / 2),
			);
		};
	}

	function request<T>(command: CommandInput): Promise<T> {
		const requestId = `r${nextRequestId++}`;
		const data = JSON.stringify({ ...command, requestId });
		return new Promise<T>((resolve, reject) => {
			const size = encoder.encode(data).byteLength;
			if (size > MAX_CLIENT_FRAME_BYTES) {
				// The gateway would close the connection (1009) for it: refuse it here instead.
				reject(
					new StreamRequestError(
						frameLimitErrorCodes.tooLarge,
						`Frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes; this one has ${size}`,
					),
				);
				return;
			}
			pending.set(requestId, { resolve: (value) => resolve(value as T), reject });
			queue.push(data);
			flush();
		});
	}

	void open();
	return {
		get lastSeq() {
			return lastSeq;
		},
		get state() {
			return state;
		},
		request,
		sendPrompt: (content, images) => request({ type: "prompt", content, ...(images ? { images } : {}) }),
		cancel: async () => {
			await request({ type: "cancel" });
		},
		runCommand: (command) => request({ type: "run_command", command }),
		git: {
			status: () => request({ type: "git.status" }),
			diff: (path) => request({ type: "git.diff", ...(path ? { path } : {}) }),
			createBranch: (branchName) => request({ type: "git.create_branch", branchName }),
			commit: (message, commitOptions) => request({ type: "git.commit", message, ...commitOptions }),
			push: () => request({ type: "git.push" }),
			createPullRequest: (input) => request({ type: "git.create_pr", ...input }),
		},
		close: () => {
			closedByUser = true;
			if (pacingTimer) clearTimeout(pacingTimer);
			socket?.close(1000, "client closed");
		},
	};
}
