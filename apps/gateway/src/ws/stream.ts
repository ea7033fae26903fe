import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import {
	clientCommandSchema,
	closeCodes,
	DomainError,
	errorMessage,
	MAX_REQUEST_ID_LENGTH,
	type ServerFrame,
} from "@proliferate/shared";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { ClientConnection } from "../hub/client-connection";
import { type HubManager, WrongInstanceError } from "../hub/hub-manager";
import type { SessionHub } from "../hub/session-hub";
import { type AuthSecrets, authenticate, authorizeSession, organizationOf } from "../server/auth";
import { defaultWebSocketLimits, type WebSocketLimits } from "./limits";
import { FrameRateLimiter } from "./rate-limit";
import { closeReason, guardSocket } from "./socket-guard";

export interface StreamDeps {
	services: ServiceContext;
	hubs: HubManager;
	secrets: AuthSecrets;
	logger: Logger;
	limits?: WebSocketLimits;
}

function closeCodeFor(error: unknown): number {
	if (error instanceof WrongInstanceError) return closeCodes.wrongInstance;
	if (error instanceof DomainError) {
		if (error.kind === "unauthenticated") return closeCodes.unauthorized;
		if (error.kind === "forbidden") return closeCodes.forbidden;
		if (error.kind === "not_found") return closeCodes.notFound;
	}
	return closeCodes.internalError;
}

function frameSize(data: RawData): number {
	if (Array.isArray(data)) return data.reduce((total, part) => total + part.length, 0);
	return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** `?after=<seq>`: a non-negative integer (anything else means 0); the hub caps it at the log's last seq. */
export function parseAfter(value: string | null): number {
	if (!value || !/^\d{1,15}$/.test(value)) return 0;
	return Number.parseInt(value, 10);
}

/** The client's `requestId`, echoed in an error frame only when the schema would have accepted it. */
function echoableRequestId(parsed: unknown): string | undefined {
	const requestId = (parsed as { requestId?: unknown } | null)?.requestId;
	return typeof requestId === "string" && requestId.length > 0 && requestId.length <= MAX_REQUEST_ID_LENGTH
		? requestId
		: undefined;
}

/**
 * `GET /sessions/:sessionId/stream?token=…&after=<seq>`: authenticate, check the session belongs to
 * the token's organization, replay events after `after`, then stream live ones; accept commands.
 * Refusals complete the handshake, send one error frame and close with a 44xx code, so browsers can
 * read why. Frames are bounded by the WebSocket layer (`maxPayload`), rate-limited per connection,
 * and at most `maxPendingFrames` / `maxPendingBytes` wait for authentication.
 */
export function createStreamHandler(deps: StreamDeps) {
	const limits = deps.limits ?? defaultWebSocketLimits.stream;
	const server = new WebSocketServer({
		noServer: true,
		maxPayload: limits.maxFrameBytes,
		perMessageDeflate: false,
	});
	server.on("error", (error) => deps.logger.error({ err: error }, "stream WebSocket server failed"));

	const sendRaw = (socket: WebSocket, frame: ServerFrame) => {
		if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
	};

	async function onConnection(socket: WebSocket, request: IncomingMessage, sessionId: string, url: URL) {
		// Registered before any await: a socket that closes during authentication is never counted as a client.
		let closed = false;
		let attached: { hub: SessionHub; connection: ClientConnection } | undefined;
		socket.once("close", () => {
			closed = true;
			attached?.hub.detach(attached.connection);
		});
		guardSocket(socket, {
			logger: deps.logger,
			label: "stream",
			onProtocolFault: (fault) => {
				if (fault.code === closeCodes.messageTooBig)
					sendRaw(socket, {
						kind: "error",
						code: "FRAME_TOO_LARGE",
						message: `Frames are limited to ${limits.maxFrameBytes} bytes`,
					});
			},
		});
		let client: ClientConnection | undefined;
		let hub: SessionHub | undefined;
		const pendingFrames: RawData[] = [];
		let pendingBytes = 0;
		const rate = new FrameRateLimiter(limits.rate);

		async function handleFrame(target: ClientConnection, targetHub: SessionHub, data: RawData) {
			let parsed: unknown;
			try {
				parsed = JSON.parse(data.toString());
			} catch {
				target.send({ kind: "error", code: "MALFORMED_FRAME", message: "Frames must be JSON" });
				return;
			}
			const command = clientCommandSchema.safeParse(parsed);
			if (!command.success) {
				const requestId = echoableRequestId(parsed);
				target.send({
					kind: "error",
					code: "INVALID_COMMAND",
					message: command.error.issues
						.map((issue) => `${issue.path.join(".") || "frame"}: ${issue.message}`)
						.join("; ")
						.slice(0, 2000),
					...(requestId ? { requestId } : {}),
				});
				return;
			}
			await targetHub.handleCommand(target, command.data);
		}

		const dispatch = (target: ClientConnection, targetHub: SessionHub, data: RawData) =>
			handleFrame(target, targetHub, data).catch((error: unknown) =>
				deps.logger.error({ err: error, sessionId }, "stream command failed"),
			);

		socket.on("message", (data) => {
			const admission = rate.admit();
			if (admission === "close") {
				socket.close(closeCodes.policyViolation, "rate limit exceeded");
				return;
			}
			if (admission === "limited") {
				if (rate.firstRefusal)
					sendRaw(socket, {
						kind: "error",
						code: "RATE_LIMITED",
						message: `Too many frames: at most ${limits.rate.perSecond} per second (bursts of ${limits.rate.burst}); this one was dropped`,
					});
				return;
			}
			if (client && hub) {
				void dispatch(client, hub, data);
				return;
			}
			pendingBytes += frameSize(data);
			if (pendingFrames.length >= limits.maxPendingFrames || pendingBytes > limits.maxPendingBytes) {
				socket.close(closeCodes.policyViolation, "too many frames before authentication finished");
				pendingFrames.length = 0;
				return;
			}
			pendingFrames.push(data);
		});
		try {
			const principal = await authenticate(request, url, deps.secrets);
			const organizationId = organizationOf(principal, request);
			const session = await authorizeSession(deps.services, principal, organizationId, sessionId);
			if (closed) return;
			const sessionHub = await deps.hubs.getOrCreate(sessionId, organizationId);
			if (closed) return;
			const connection = new ClientConnection(socket, principal, parseAfter(url.searchParams.get("after")));
			attached = { hub: sessionHub, connection };
			await sessionHub.attach(connection);
			if (closed) {
				sessionHub.detach(connection);
				return;
			}
			client = connection;
			hub = sessionHub;
			for (const data of pendingFrames.splice(0)) await dispatch(connection, sessionHub, data);
			if (!sessionHub.controller.ready && (session.status === "starting" || session.status === "running")) {
				// Reconnecting to a session whose controller is not here (restart, takeover): bring it back.
				void sessionHub.controller.ensureReady().catch(() => {});
			}
		} catch (error) {
			if (attached) attached.hub.detach(attached.connection);
			if (closed) return;
			const code = closeCodeFor(error);
			const details = error instanceof WrongInstanceError ? { ownerUrl: error.owner.url } : {};
			if (!(error instanceof DomainError))
				deps.logger.error({ err: error, sessionId }, "stream connection failed");
			sendRaw(socket, {
				kind: "error",
				code: error instanceof DomainError ? error.code : "INTERNAL",
				message: errorMessage(error),
				...details,
			} as ServerFrame);
			socket.close(
				code,
				closeReason(error instanceof WrongInstanceError ? `owner=${error.owner.url}` : errorMessage(error)),
			);
		}
	}

	return {
		server,
		handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
			const url = new URL(request.url ?? "/", "http://gateway");
			const match = url.pathname.match(/^\/sessions\/([^/]+)\/stream$/);
			if (!match?.[1]) return false;
			let sessionId: string;
			try {
				sessionId = decodeURIComponent(match[1]);
			} catch {
				return false;
			}
			server.handleUpgrade(request, socket, head, (ws) => {
				void onConnection(ws, request, sessionId, url).catch((error: unknown) => {
					deps.logger.error({ err: error, sessionId }, "stream connection failed");
					ws.terminate();
				});
			});
			return true;
		},
	};
}
