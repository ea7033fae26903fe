import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import { closeCodes, DomainError, errorMessage } from "@proliferate/shared";
import { type WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import { type HubManager, WrongInstanceError } from "../hub/hub-manager";
import { type AuthSecrets, authenticate, authorizeSession, organizationOf } from "../server/auth";
import { LineTerminal } from "./line-terminal";

export interface TerminalDeps {
	services: ServiceContext;
	hubs: HubManager;
	secrets: AuthSecrets;
	logger: Logger;
}

const terminalFrameSchema = z.discriminatedUnion("type", [
	z.object({ type: z.literal("input"), data: z.string().max(64 * 1024) }),
	z.object({
		type: z.literal("resize"),
		cols: z.number().int().min(1).max(1000),
		rows: z.number().int().min(1).max(1000),
	}),
]);

const workspaceDirectory = "/home/user/workspace";

function closeCodeFor(error: unknown): number {
	if (error instanceof WrongInstanceError) return closeCodes.wrongInstance;
	if (error instanceof DomainError) {
		if (error.kind === "unauthenticated") return closeCodes.unauthorized;
		if (error.kind === "forbidden") return closeCodes.forbidden;
		if (error.kind === "not_found") return closeCodes.notFound;
	}
	return 1011;
}

/**
 * `GET /proxy/:sessionId/terminal?token=…` (WebSocket): a terminal in the session's sandbox.
 * Client frames: `{type:"input",data}`, `{type:"resize",cols,rows}`; server frames: raw output text.
 * Same authentication and organization check as the event stream.
 */
export function createTerminalHandler(deps: TerminalDeps) {
	const server = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

	async function onConnection(socket: WebSocket, request: IncomingMessage, sessionId: string, url: URL) {
		const early: string[] = [];
		let terminal: LineTerminal | undefined;
		const handle = (raw: string) => {
			let frame: z.infer<typeof terminalFrameSchema>;
			try {
				frame = terminalFrameSchema.parse(JSON.parse(raw));
			} catch {
				socket.send("\r\n\u001b[31m[terminal] ignored a malformed frame\u001b[0m\r\n");
				return;
			}
			if (frame.type === "input") void terminal?.input(frame.data);
		};
		socket.on("message", (data) => {
			const raw = data.toString();
			if (terminal) handle(raw);
			else early.push(raw);
		});
		try {
			const principal = await authenticate(request, url, deps.secrets);
			const organizationId = organizationOf(principal, request);
			await authorizeSession(deps.services, principal, organizationId, sessionId);
			const hub = await deps.hubs.getOrCreate(sessionId, organizationId);
			if (!hub.runtime.ready) socket.send("Waiting for the sandbox to start…\r\n");
			await hub.runtime.ensureReady();
			terminal = new LineTerminal({
				run: (script) => hub.runtime.runCommand(script),
				write: (output) => {
					if (socket.readyState === socket.OPEN) socket.send(output);
				},
				initialDirectory: workspaceDirectory,
			});
			terminal.prompt();
			for (const raw of early.splice(0)) handle(raw);
		} catch (error) {
			if (!(error instanceof DomainError)) deps.logger.error({ err: error, sessionId }, "terminal failed");
			socket.send(`\r\n\u001b[31m${errorMessage(error)}\u001b[0m\r\n`);
			socket.close(
				closeCodeFor(error),
				error instanceof WrongInstanceError ? `owner=${error.owner.url}` : errorMessage(error).slice(0, 120),
			);
		}
	}

	return {
		server,
		handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
			const url = new URL(request.url ?? "/", "http://gateway");
			const match = url.pathname.match(/^\/proxy\/([^/]+)\/terminal$/);
			if (!match?.[1]) return false;
			const sessionId = decodeURIComponent(match[1]);
			server.handleUpgrade(request, socket, head, (ws) => void onConnection(ws, request, sessionId, url));
			return true;
		},
	};
}
