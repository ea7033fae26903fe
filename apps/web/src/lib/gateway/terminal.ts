import {
	createSessionSandboxClient,
	type TerminalConnection as SandboxTerminalConnection,
} from "@proliferate/gateway-clients";

/**
 * The browser side of the session terminal: a real PTY in the sandbox (sandbox-mcp), opened through
 * the gateway's sandbox proxy (`POST /sessions/:id/sandbox/terminals`, then the terminal's
 * WebSocket). The terminal is closed in the sandbox when the panel closes.
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
	cols?: number;
	rows?: number;
	onOutput: (data: string) => void;
	onState?: (state: TerminalConnectionState, reason?: string) => void;
}

export function connectTerminal(options: TerminalConnectOptions): TerminalConnection {
	const client = createSessionSandboxClient({
		gatewayUrl: options.gatewayUrl,
		sessionId: options.sessionId,
		auth: { type: "token", token: options.token },
	});
	let connection: SandboxTerminalConnection | undefined;
	let terminalId: string | undefined;
	let closed = false;
	const pending: ((live: SandboxTerminalConnection) => void)[] = [];
	const withConnection = (action: (live: SandboxTerminalConnection) => void) => {
		if (connection) action(connection);
		else if (!closed) pending.push(action);
	};
	options.onState?.("connecting");
	client
		.createTerminal({ cols: options.cols ?? 80, rows: options.rows ?? 24 })
		.then((info) => {
			if (closed) {
				void client.closeTerminal(info.id).catch(() => {});
				return;
			}
			terminalId = info.id;
			const live = client.connectTerminal(info.id, {
				onOpen: () => options.onState?.("open"),
				onOutput: options.onOutput,
				onExit: ({ exitCode }) => options.onState?.("closed", `The shell exited (code ${exitCode})`),
				onError: ({ message }) => options.onState?.("closed", message),
				onClose: ({ reason }) => options.onState?.("closed", reason || undefined),
			});
			connection = live;
			for (const action of pending.splice(0)) action(live);
		})
		.catch((error: unknown) =>
			options.onState?.("closed", error instanceof Error ? error.message : "Could not open the terminal"),
		);
	return {
		sendInput: (data) => withConnection((live) => live.write(data)),
		resize: (cols, rows) => withConnection((live) => live.resize(cols, rows)),
		close: () => {
			closed = true;
			connection?.close();
			if (terminalId) void client.closeTerminal(terminalId).catch(() => {});
		},
	};
}
