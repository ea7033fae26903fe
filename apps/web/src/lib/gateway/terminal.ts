/**
 * The browser side of the session terminal: a WebSocket to the gateway's
 * `/proxy/:sessionId/terminal?token=…`. Client frames are JSON `{type:"input",data}` and
 * `{type:"resize",cols,rows}`; server frames are raw terminal output. Works the same whether the
 * gateway serves its line-mode terminal or the sandbox-mcp PTY proxy.
 */
export type TerminalConnectionState = "connecting" | "open" | "closed";

export interface TerminalConnection {
	sendInput(data: string): void;
	resize(cols: number, rows: number): void;
	close(): void;
}

export interface TerminalConnectOptions {
	gatewayUrl: string;
	sessionId: string;
	token: string;
	onOutput: (data: string) => void;
	onState?: (state: TerminalConnectionState, reason?: string) => void;
}

export function terminalUrl(gatewayUrl: string, sessionId: string, token: string): string {
	const base = gatewayUrl.replace(/\/$/, "").replace(/^http/, "ws");
	return `${base}/proxy/${encodeURIComponent(sessionId)}/terminal?token=${encodeURIComponent(token)}`;
}

export function connectTerminal(options: TerminalConnectOptions): TerminalConnection {
	const socket = new WebSocket(terminalUrl(options.gatewayUrl, options.sessionId, options.token));
	const queue: string[] = [];
	options.onState?.("connecting");
	socket.onopen = () => {
		options.onState?.("open");
		for (const frame of queue.splice(0)) socket.send(frame);
	};
	socket.onmessage = (message) => {
		if (typeof message.data === "string") options.onOutput(message.data);
		else if (message.data instanceof Blob) void message.data.text().then(options.onOutput);
	};
	socket.onclose = (event) => options.onState?.("closed", event.reason || undefined);
	const send = (frame: unknown) => {
		const data = JSON.stringify(frame);
		if (socket.readyState === WebSocket.OPEN) socket.send(data);
		else if (socket.readyState === WebSocket.CONNECTING) queue.push(data);
	};
	return {
		sendInput: (data) => send({ type: "input", data }),
		resize: (cols, rows) => send({ type: "resize", cols, rows }),
		close: () => socket.close(1000, "closed"),
	};
}
