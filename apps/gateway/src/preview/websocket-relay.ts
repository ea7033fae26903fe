import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import { closeCodes, DomainError } from "@proliferate/shared";
import { WebSocket, WebSocketServer } from "ws";
import { SLOW_CONSUMER_BYTES } from "../hub/client-connection";
import { MAX_UPSTREAM_FRAME_BYTES, type WebSocketLimits } from "../ws/limits";
import { FrameRateLimiter } from "../ws/rate-limit";
import { closeReason, forwardableCloseCode, guardSocket } from "../ws/socket-guard";

/** Request headers that describe the client's own connection or credentials; never forwarded upstream. */
const notForwarded = new Set([
	"host",
	"connection",
	"upgrade",
	"authorization",
	"cookie",
	"proxy-authorization",
	"keep-alive",
	"te",
	"trailer",
	"transfer-encoding",
	"sec-websocket-key",
	"sec-websocket-version",
	"sec-websocket-extensions",
	"sec-websocket-protocol",
	"sec-websocket-accept",
]);

export interface WebSocketRelay {
	/**
	 * Opens a WebSocket to `targetBase` + `path` (sandbox-mcp, a sandbox port) and, once it is open,
	 * completes the client's handshake with the subprotocol the upstream chose, then relays frames
	 * both ways. The gateway parses every frame itself: a client breaking the protocol, sending frames
	 * over `maxFrameBytes` or over its rate is closed (1002/1007/1009/1008) and never reaches the
	 * sandbox; an upstream breaking it closes the pair with 1011.
	 */
	relay(options: RelayOptions): void;
	close(): void;
}

export interface RelayOptions {
	request: IncomingMessage;
	socket: Duplex;
	head: Buffer;
	targetBase: string;
	path: string;
	extraHeaders?: Record<string, string>;
	/** Names the socket in logs. */
	label: string;
	/** The upstream could not be reached or refused: answer the client (the handshake is not done yet). */
	refuse: (error: DomainError) => void;
}

export function createWebSocketRelay(deps: { logger: Logger; limits: WebSocketLimits }): WebSocketRelay {
	const chosenProtocols = new WeakMap<IncomingMessage, string>();
	const server = new WebSocketServer({
		noServer: true,
		maxPayload: deps.limits.maxFrameBytes,
		perMessageDeflate: false,
		handleProtocols: (_offered, request) => chosenProtocols.get(request) ?? false,
	});
	server.on("error", (error) => deps.logger.error({ err: error }, "relay WebSocket server failed"));

	function relay(options: RelayOptions): void {
		const { request, socket } = options;
		const target = new URL(options.path, options.targetBase);
		target.protocol = target.protocol === "https:" ? "wss:" : "ws:";
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(request.headers)) {
			if (value === undefined || notForwarded.has(name)) continue;
			headers[name] = Array.isArray(value) ? value.join(", ") : value;
		}
		const offered = (request.headers["sec-websocket-protocol"] ?? "")
			.split(",")
			.map((protocol) => protocol.trim())
			.filter(Boolean);
		const upstream = new WebSocket(target, offered, {
			headers: { ...headers, ...options.extraHeaders },
			maxPayload: MAX_UPSTREAM_FRAME_BYTES,
			perMessageDeflate: false,
			handshakeTimeout: 15_000,
			followRedirects: false,
		});
		const state = { upstreamFaulted: false };
		guardSocket(upstream, {
			logger: deps.logger,
			label: `${options.label} upstream`,
			onProtocolFault: () => {
				state.upstreamFaulted = true;
			},
		});
		let accepted = false;
		let refused = false;
		const refuse = (error: DomainError) => {
			if (accepted || refused) return;
			refused = true;
			options.refuse(error);
		};
		upstream.on("unexpected-response", (upstreamRequest, response) => {
			response.resume();
			upstreamRequest.destroy();
			refuse(
				new DomainError(
					"unavailable",
					"UPSTREAM_REFUSED",
					`The sandbox answered ${response.statusCode ?? "?"} instead of opening the WebSocket`,
				),
			);
		});
		upstream.on("error", (error) => {
			refuse(
				new DomainError(
					"unavailable",
					"UPSTREAM_UNREACHABLE",
					`Nothing answered in the sandbox (${error.message})`,
				),
			);
		});
		// A client that leaves before the upstream opened takes the upstream with it.
		socket.once("close", () => {
			if (!accepted) upstream.terminate();
		});
		upstream.once("open", () => {
			if (socket.destroyed || refused) {
				upstream.terminate();
				return;
			}
			if (upstream.protocol) chosenProtocols.set(request, upstream.protocol);
			accepted = true;
			server.handleUpgrade(request, socket, options.head, (client) =>
				pair(client, upstream, options.label, state),
			);
		});
	}

	function pair(
		client: WebSocket,
		upstream: WebSocket,
		label: string,
		state: { upstreamFaulted: boolean },
	): void {
		guardSocket(client, { logger: deps.logger, label });
		const rate = new FrameRateLimiter(deps.limits.rate);
		client.on("message", (data, isBinary) => {
			const admission = rate.admit();
			if (admission === "close") {
				client.close(closeCodes.policyViolation, "rate limit exceeded");
				return;
			}
			if (admission === "limited") return;
			if (upstream.readyState === upstream.OPEN) upstream.send(data, { binary: isBinary });
		});
		upstream.on("message", (data, isBinary) => {
			if (client.readyState !== client.OPEN) return;
			if (client.bufferedAmount > SLOW_CONSUMER_BYTES) {
				client.close(closeCodes.slowConsumer, "client too slow");
				return;
			}
			client.send(data, { binary: isBinary });
		});
		client.once("close", (code, reason) => {
			if (upstream.readyState === upstream.OPEN)
				upstream.close(forwardableCloseCode(code), closeReason(reason.toString()));
			else upstream.terminate();
		});
		upstream.once("close", (code, reason) => {
			if (client.readyState !== client.OPEN) return;
			if (state.upstreamFaulted || code === 1006)
				client.close(closeCodes.internalError, "the sandbox side of this socket failed");
			else client.close(forwardableCloseCode(code), closeReason(reason.toString()));
		});
		upstream.on("error", () => {
			if (client.readyState === client.OPEN)
				client.close(closeCodes.internalError, "the sandbox side of this socket failed");
		});
	}

	return {
		relay,
		close: () => server.close(),
	};
}

/** Answers an upgrade that cannot be relayed with a plain HTTP status (before any handshake). */
export function refuseWithStatus(socket: Duplex, status: number, message: string): void {
	if (socket.destroyed) return;
	const body = JSON.stringify({ error: { message } });
	socket.end(
		`HTTP/1.1 ${status} ${status === 404 ? "Not Found" : status === 502 ? "Bad Gateway" : "Error"}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
	);
}
