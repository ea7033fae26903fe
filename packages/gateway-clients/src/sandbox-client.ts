import type {
	CreateTerminalRequest,
	ExposedService,
	FileContent,
	FileTree,
	GitDiff,
	GitStatus,
	ServiceInfo,
	ServiceLogEvent,
	ServiceSpec,
	TerminalInfo,
	TerminalServerFrame,
} from "@proliferate/shared/sandbox";
import { type GatewayAuth, resolveToken } from "./auth";
import { GatewayRequestError } from "./http-client";
import type { WebSocketConstructor, WebSocketLike } from "./stream-client";

/** A live terminal: feed it to xterm.js (`onOutput` → `term.write`, `term.onData` → `write`). */
export interface TerminalConnection {
	write(data: string): void;
	resize(cols: number, rows: number): void;
	/** Detaches this client; the terminal keeps running until `closeTerminal`. */
	close(): void;
}

export interface TerminalHandlers {
	onOutput: (data: string) => void;
	onExit?: (exit: { exitCode: number; signal: number | null }) => void;
	onError?: (error: { code: string; message: string }) => void;
	/** The socket closed (for any reason): code 1000 after exit, 4401/1006 and others otherwise. */
	onClose?: (event: { code: number; reason: string }) => void;
	onOpen?: () => void;
}

/** A gateway-exposed service: its sandbox port and a public preview link to it. */
export interface ExposedServiceLink extends ExposedService {
	url: string;
	token: string;
}

export interface SandboxClient {
	listTerminals(): Promise<TerminalInfo[]>;
	createTerminal(input?: CreateTerminalRequest): Promise<TerminalInfo>;
	resizeTerminal(terminalId: string, cols: number, rows: number): Promise<TerminalInfo>;
	closeTerminal(terminalId: string): Promise<void>;
	connectTerminal(terminalId: string, handlers: TerminalHandlers): TerminalConnection;
	listServices(): Promise<ServiceInfo[]>;
	getService(name: string): Promise<ServiceInfo>;
	/** Starts a command as a service, or one of the repository's saved services by name. */
	startService(input: ServiceSpec | { name: string }): Promise<ServiceInfo>;
	stopService(name: string): Promise<ServiceInfo>;
	restartService(name: string): Promise<ServiceInfo>;
	/** Waits for the service's port to listen and makes it reachable (through the gateway: a preview link). */
	exposeService(name: string): Promise<ExposedServiceLink | ExposedService>;
	serviceLogs(name: string, tail?: number): Promise<{ name: string; text: string }>;
	/** Follows a service's output (Server-Sent Events) until it exits or `signal` aborts. */
	followServiceLogs(
		name: string,
		onEvent: (event: ServiceLogEvent) => void,
		signal?: AbortSignal,
	): Promise<void>;
	fileTree(input?: { path?: string; depth?: number; includeIgnored?: boolean }): Promise<FileTree>;
	readFile(path: string, maxBytes?: number): Promise<FileContent>;
	gitStatus(): Promise<GitStatus>;
	gitDiff(input?: { path?: string; staged?: boolean }): Promise<GitDiff>;
}

export interface SandboxClientOptions {
	/** Base of the sandbox routes: `<gateway>/sessions/<id>/sandbox`, or sandbox-mcp's own URL. */
	baseUrl: string;
	auth: GatewayAuth;
	/** Browsers cannot set WebSocket headers: the token goes in `?token=` (the gateway accepts it). */
	WebSocket?: WebSocketConstructor;
	fetch?: typeof fetch;
}

function query(values: Record<string, string | number | boolean | undefined>): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, String(value));
	const text = params.toString();
	return text ? `?${text}` : "";
}

/** Typed client for sandbox-mcp's terminals, services, files and git, direct or through the gateway. */
export function createSandboxClient(options: SandboxClientOptions): SandboxClient {
	const doFetch = options.fetch ?? fetch;
	const base = options.baseUrl.replace(/\/$/, "");
	async function raw(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
		const headers: Record<string, string> = { authorization: `Bearer ${await resolveToken(options.auth)}` };
		if (body !== undefined) headers["content-type"] = "application/json";
		const response = await doFetch(`${base}${path}`, {
			method,
			headers,
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
			...(signal ? { signal } : {}),
		});
		if (!response.ok) {
			const text = await response.text();
			let error: { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
			try {
				error = (JSON.parse(text) as { error?: typeof error }).error;
			} catch {
				error = undefined;
			}
			throw new GatewayRequestError(
				response.status,
				error?.code ?? "HTTP_ERROR",
				error?.message ?? `Answered ${response.status}`,
				error?.details,
			);
		}
		return response;
	}
	async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
		return (await (await raw(method, path, body)).json()) as T;
	}
	const name = (value: string) => encodeURIComponent(value);

	return {
		listTerminals: () => call("GET", "/terminals"),
		createTerminal: (input = {}) => call("POST", "/terminals", input),
		resizeTerminal: (id, cols, rows) => call("POST", `/terminals/${name(id)}/resize`, { cols, rows }),
		closeTerminal: async (id) => {
			await call("DELETE", `/terminals/${name(id)}`);
		},
		connectTerminal(id, handlers) {
			const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
			if (!Socket)
				throw new Error("No WebSocket implementation: pass `WebSocket` (e.g. from the ws package)");
			let socket: WebSocketLike | undefined;
			let closed = false;
			const queue: string[] = [];
			const send = (frame: unknown) => {
				const text = JSON.stringify(frame);
				if (socket && socket.readyState === 1) socket.send(text);
				else queue.push(text);
			};
			void resolveToken(options.auth).then((token) => {
				if (closed) return;
				const url = `${base.replace(/^http/, "ws")}/terminals/${name(id)}${query({ token })}`;
				const ws = new Socket(url);
				socket = ws;
				ws.onopen = () => {
					for (const text of queue.splice(0)) ws.send(text);
					handlers.onOpen?.();
				};
				ws.onmessage = (event) => {
					const frame = JSON.parse(String(event.data)) as TerminalServerFrame;
					if (frame.type === "output") handlers.onOutput(frame.data);
					else if (frame.type === "exit")
						handlers.onExit?.({ exitCode: frame.exitCode, signal: frame.signal });
					else handlers.onError?.({ code: frame.code, message: frame.message });
				};
				ws.onclose = (event) => handlers.onClose?.({ code: event.code, reason: event.reason });
				ws.onerror = () => {};
			});
			return {
				write: (data) => send({ type: "input", data }),
				resize: (cols, rows) => send({ type: "resize", cols, rows }),
				close: () => {
					closed = true;
					socket?.close(1000, "client closed");
				},
			};
		},
		listServices: () => call("GET", "/services"),
		getService: (service) => call("GET", `/services/${name(service)}`),
		startService: (input) => call("POST", "/services", input),
		stopService: (service) => call("POST", `/services/${name(service)}/stop`),
		restartService: (service) => call("POST", `/services/${name(service)}/restart`),
		exposeService: (service) => call("POST", `/services/${name(service)}/expose`),
		serviceLogs: (service, tail) => call("GET", `/services/${name(service)}/logs${query({ tail })}`),
		async followServiceLogs(service, onEvent, signal) {
			const response = await raw("GET", `/services/${name(service)}/logs?follow=1`, undefined, signal);
			if (!response.body) return;
			const decoder = new TextDecoder();
			let buffer = "";
			const reader = response.body.getReader();
			try {
				for (;;) {
					const { done, value } = await reader.read();
					if (done) return;
					buffer += decoder.decode(value, { stream: true });
					let boundary = buffer.indexOf("\n\n");
					while (boundary !== -1) {
						const block = buffer.slice(0, boundary);
						buffer = buffer.slice(boundary + 2);
						boundary = buffer.indexOf("\n\n");
						const event = block.match(/^event: (\w+)$/m)?.[1];
						const data = block.match(/^data: (.*)$/m)?.[1];
						if (event && data) onEvent({ event, data: JSON.parse(data) } as ServiceLogEvent);
					}
				}
			} catch (error) {
				if (!signal?.aborted) throw error;
			}
		},
		fileTree: (input = {}) => call("GET", `/files/tree${query(input)}`),
		readFile: (path, maxBytes) => call("GET", `/files/read${query({ path, maxBytes })}`),
		gitStatus: () => call("GET", "/git/status"),
		gitDiff: (input = {}) => call("GET", `/git/diff${query(input)}`),
	};
}

/** The sandbox client for a session, through the gateway (user or service token). */
export function createSessionSandboxClient(
	options: Omit<SandboxClientOptions, "baseUrl"> & { gatewayUrl: string; sessionId: string },
): SandboxClient {
	return createSandboxClient({
		...options,
		baseUrl: `${options.gatewayUrl.replace(/\/$/, "")}/sessions/${encodeURIComponent(options.sessionId)}/sandbox`,
	});
}
