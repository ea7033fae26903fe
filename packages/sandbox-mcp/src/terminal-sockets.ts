import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { DomainError } from "@proliferate/shared/errors";
import { terminalClientFrame, terminalCloseCodeFor } from "@proliferate/shared/sandbox";
import { WebSocket, WebSocketServer } from "ws";
import { hasValidToken } from "./auth";
import { TerminalNotFoundError, UnauthorizedError } from "./errors";
import type { TerminalManager } from "./terminals";

/** `WS /terminals/:id`: input and resize frames in, output and exit frames out. */
export function createTerminalSockets(terminals: TerminalManager, token: string) {
	const sockets = new WebSocketServer({ noServer: true, maxPayload: 128 * 1024 });

	function sendError(ws: WebSocket, code: string, message: string) {
		if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "error", code, message }));
	}

	function attach(ws: WebSocket, id: string) {
		let detach: () => void = () => {};
		try {
			detach = terminals.attach(id, {
				send: (frame) => {
					if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
				},
				close: () => ws.close(1000, "terminal exited"),
			});
		} catch (error) {
			const failure = error instanceof DomainError ? error : new TerminalNotFoundError(id);
			sendError(ws, failure.code, failure.message);
			ws.close(terminalCloseCodeFor(failure.kind), failure.code);
			return;
		}
		ws.on("message", (raw) => {
			let frame: unknown;
			try {
				frame = JSON.parse(raw.toString());
			} catch {
				frame = undefined;
			}
			const parsed = terminalClientFrame.safeParse(frame);
			if (!parsed.success) {
				sendError(ws, "INVALID_FRAME", "Send {type:'input',data} or {type:'resize',cols,rows}");
				return;
			}
			try {
				if (parsed.data.type === "input") terminals.write(id, parsed.data.data);
				else terminals.resize(id, parsed.data.cols, parsed.data.rows);
			} catch (error) {
				if (error instanceof DomainError) sendError(ws, error.code, error.message);
			}
		});
		ws.on("close", () => detach());
		ws.on("error", () => detach());
	}

	return {
		handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
			const url = new URL(request.url ?? "/", "http://sandbox-mcp");
			// Refusals complete the handshake, send one error frame and close with a 44xx code.
			const refuse = (error: DomainError) =>
				sockets.handleUpgrade(request, socket, head, (ws) => {
					sendError(ws, error.code, error.message);
					ws.close(terminalCloseCodeFor(error.kind), error.code);
				});
			const id = url.pathname.match(/^\/terminals\/([^/]+)$/)?.[1] ?? "";
			if (!hasValidToken(request, token)) refuse(new UnauthorizedError());
			else if (!terminals.has(id)) refuse(new TerminalNotFoundError(id));
			else sockets.handleUpgrade(request, socket, head, (ws) => attach(ws, id));
		},
		close(): void {
			for (const client of sockets.clients) client.terminate();
			sockets.close();
		},
	};
}
