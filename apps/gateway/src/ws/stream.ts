import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import {
	clientCommandSchema,
	closeCodes,
	DomainError,
	errorMessage,
	MAX_CLIENT_FRAME_BYTES,
} from "@proliferate/shared";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { ClientConnection } from "../hub/client-connection";
import { type HubManager, WrongInstanceError } from "../hub/hub-manager";
import type { SessionHub } from "../hub/session-hub";
import { type AuthSecrets, authenticate, authorizeSession, organizationOf } from "../server/auth";

export interface StreamDeps {
	services: ServiceContext;
	hubs: HubManager;
	secrets: AuthSecrets;
	logger: Logger;
}

/** Frames above this size are cut off by the WebSocket layer itself (close 1009). */
const HARD_FRAME_LIMIT = 16 * 1024 * 1024;

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
 * `GET /sessions/:sessionId/stream?token=…&after=<seq>`: authenticate, check the session belongs to
 * the token's organization, replay events after `after`, then stream live ones; accept commands.
 * Refusals complete the handshake, send one error frame and close with a 44xx code, so browsers can
 * read why.
 */
export function createStreamHandler(deps: StreamDeps) {
	const server = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT });

	async function onConnection(socket: WebSocket, request: IncomingMessage, sessionId: string, url: URL) {
		let client: ClientConnection | undefined;
		let hub: SessionHub | undefined;
		const pendingFrames: RawData[] = [];

		async function handleFrame(target: ClientConnection, targetHub: SessionHub, data: RawData) {
			const size = Array.isArray(data)
				? data.reduce((total, part) => total + part.length, 0)
				: (data as Buffer).byteLength;
			if (size > MAX_CLIENT_FRAME_BYTES) {
				target.send({
					kind: "error",
					code: "FRAME_TOO_LARGE",
					message: `Frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes; this one had ${size}`,
				});
				return;
			}
			let parsed: unknown;
			try {
				parsed = JSON.parse(data.toString());
			} catch {
				target.send({ kind: "error", code: "MALFORMED_FRAME", message: "Frames must be JSON" });
				return;
			}
			const command = clientCommandSchema.safeParse(parsed);
			if (!command.success) {
				const requestId = (parsed as { requestId?: unknown } | null)?.requestId;
				target.send({
					kind: "error",
					code: "INVALID_COMMAND",
					message: command.error.issues
						.map((issue) => `${issue.path.join(".") || "frame"}: ${issue.message}`)
						.join("; "),
					...(typeof requestId === "string" ? { requestId } : {}),
				});
				return;
			}
			await targetHub.handleCommand(target, command.data);
		}

		socket.on("message", (data) => {
			if (!client || !hub) pendingFrames.push(data);
			else void handleFrame(client, hub, data);
		});
		try {
			const principal = await authenticate(request, url, deps.secrets);
			const organizationId = organizationOf(principal, request);
			const session = await authorizeSession(deps.services, principal, organizationId, sessionId);
			const after = Math.max(0, Number.parseInt(url.searchParams.get("after") ?? "0", 10) || 0);
			const sessionHub = await deps.hubs.getOrCreate(sessionId, organizationId);
			const connection = new ClientConnection(socket, principal, after);
			socket.on("close", () => sessionHub.detach(connection));
			await sessionHub.attach(connection);
			client = connection;
			hub = sessionHub;
			for (const data of pendingFrames.splice(0)) await handleFrame(connection, sessionHub, data);
			if (!sessionHub.runtime.ready && (session.status === "starting" || session.status === "running")) {
				// Reconnecting to a session whose runtime is not here (restart, takeover): bring it back.
				void sessionHub.runtime.ensureReady().catch(() => {});
			}
		} catch (error) {
			const code = closeCodeFor(error);
			const details = error instanceof WrongInstanceError ? { ownerUrl: error.owner.url } : {};
			if (!(error instanceof DomainError))
				deps.logger.error({ err: error, sessionId }, "stream connection failed");
			socket.send(
				JSON.stringify({
					kind: "error",
					code: error instanceof DomainError ? error.code : "INTERNAL",
					message: errorMessage(error),
					...details,
				}),
			);
			socket.close(
				code,
				error instanceof WrongInstanceError ? `owner=${error.owner.url}` : errorMessage(error).slice(0, 120),
			);
		}
	}

	return {
		server,
		handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
			const url = new URL(request.url ?? "/", "http://gateway");
			const match = url.pathname.match(/^\/sessions\/([^/]+)\/stream$/);
			if (!match?.[1]) return false;
			const sessionId = decodeURIComponent(match[1]);
			server.handleUpgrade(request, socket, head, (ws) => void onConnection(ws, request, sessionId, url));
			return true;
		},
	};
}
