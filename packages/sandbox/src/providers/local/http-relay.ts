import {
	Agent,
	createServer,
	request as httpRequest,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { SandboxEgressRoute } from "@proliferate/shared";

/** Largest request head (request line + headers) the relay reads; larger ones get 431. */
export const relayMaxHeaderBytes = 16 * 1024;

/** One path segment a `*` in a route stands for: no `.`/`..`, no encoding, nothing but these. */
const segmentPattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const methodPattern = /^[A-Z]+$/;

/** Headers that describe one hop, not the request: the relay's own connection sets its own. */
const hopByHop = new Set([
	"connection",
	"keep-alive",
	"proxy-connection",
	"transfer-encoding",
	"upgrade",
	"te",
	"trailer",
	"expect",
	"host",
]);

export type RouteDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether a request (method and raw request target, as received) matches one of the routes. The
 * target must be a plain origin-form path: no absolute or authority form, no query, no percent
 * encoding, no backslashes, no empty, `.` or `..` segments. Anything the rules do not name is refused.
 */
export function matchEgressRoute(
	method: string,
	target: string,
	routes: SandboxEgressRoute[],
): RouteDecision {
	if (!methodPattern.test(method)) return { allowed: false, reason: "the method is not a plain HTTP method" };
	if (!target.startsWith("/"))
		return { allowed: false, reason: "the request target must be a path (origin form)" };
	if (/[?#%\\]/.test(target))
		return {
			allowed: false,
			reason: "the request target may not carry a query, fragment or percent-encoding",
		};
	const segments = target.slice(1).split("/");
	if (!segments.every((segment) => segmentPattern.test(segment)))
		return { allowed: false, reason: "the path has an empty, dot or unsafe segment" };
	for (const route of routes) {
		if (route.method !== method) continue;
		const expected = route.path.replace(/^\//, "").split("/");
		if (expected.length !== segments.length) continue;
		if (expected.every((part, index) => part === "*" || part === segments[index])) return { allowed: true };
	}
	return { allowed: false, reason: "the route is not one this sandbox may call" };
}

function describeRoutes(routes: SandboxEgressRoute[]): string {
	return routes.map((route) => `${route.method} ${route.path}`).join(", ");
}

function refusalBody(status: number, code: string, message: string): string {
	const kind = status === 403 ? "forbidden" : "invalid_input";
	return JSON.stringify({ error: { code, kind, message } });
}

function refuse(response: ServerResponse, status: number, code: string, message: string): void {
	const body = refusalBody(status, code, message);
	response.shouldKeepAlive = false;
	response.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(body),
		connection: "close",
	});
	response.end(body);
}

/** An answer written straight to a socket (the HTTP server has no response object for it). */
function refuseRaw(socket: Duplex, status: number, statusText: string, code: string, message: string): void {
	const body = refusalBody(status, code, message);
	if (socket.writable) {
		socket.end(
			`HTTP/1.1 ${status} ${statusText}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
		);
	}
	// The client may still be sending (a body, more pipelined requests): let it read the answer first.
	setTimeout(() => socket.destroy(), 2000).unref();
}

function forwardHeaders(headers: IncomingHttpHeaders, host: string): Record<string, string | string[]> {
	const forwarded: Record<string, string | string[]> = { host };
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined || hopByHop.has(name)) continue;
		forwarded[name] = value;
	}
	return forwarded;
}

export interface HttpEgressRelayOptions {
	/** Where allowed requests go (the target's URL as the host sees it). */
	targetUrl: string;
	/** The routes the sandbox may call; every other request is answered 403 here. */
	routes: SandboxEgressRoute[];
	/** Egress target name, for messages. */
	name: string;
}

/**
 * The host half of an egress relay for a target with rules: an HTTP/1.1 server (Node's own parser,
 * so framing, chunking, pipelining and header limits follow one strict implementation) that checks
 * every request on every connection against the routes and forwards only the allowed ones, their
 * bodies streamed. Upgrades (WebSocket), CONNECT, malformed requests and oversized heads are refused
 * before anything reaches the target.
 */
export function createHttpEgressRelay(options: HttpEgressRelayOptions): Server {
	const target = new URL(options.targetUrl);
	const port = Number(target.port || 80);
	const hostname = target.hostname === "localhost" ? "127.0.0.1" : target.hostname.replace(/^\[|\]$/g, "");
	const agent = new Agent({ keepAlive: true, maxSockets: 16 });
	const allowed = describeRoutes(options.routes);
	// A connection that sent one refused request is done: requests pipelined after it are refused too.
	const refusedConnections = new WeakSet<Socket>();
	const server = createServer(
		{ maxHeaderSize: relayMaxHeaderBytes, requireHostHeader: false },
		(request: IncomingMessage, response: ServerResponse) => {
			const method = request.method ?? "";
			const url = request.url ?? "";
			const decision: RouteDecision = refusedConnections.has(request.socket)
				? { allowed: false, reason: "an earlier request on this connection was refused" }
				: matchEgressRoute(method, url, options.routes);
			if (!decision.allowed) {
				refusedConnections.add(request.socket);
				request.resume();
				refuse(
					response,
					403,
					"EGRESS_ROUTE_FORBIDDEN",
					`The sandbox's ${options.name} relay refused ${method} ${url.slice(0, 200)}: ${decision.reason}. Allowed: ${allowed}.`,
				);
				return;
			}
			const upstream = httpRequest(
				{
					host: hostname,
					port,
					method,
					path: url,
					agent,
					headers: forwardHeaders(request.headers, target.host),
				},
				(answer) => {
					const headers: Record<string, string | string[]> = {};
					for (const [name, value] of Object.entries(answer.headers)) {
						if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
					}
					response.writeHead(answer.statusCode ?? 502, headers);
					answer.pipe(response);
					answer.on("error", () => response.destroy());
				},
			);
			upstream.on("error", () => {
				if (response.headersSent) response.destroy();
				else refuse(response, 502, "EGRESS_TARGET_UNREACHABLE", `${options.name} is not reachable`);
			});
			request.on("error", () => upstream.destroy());
			response.on("close", () => {
				if (!response.writableFinished) upstream.destroy();
			});
			request.pipe(upstream);
		},
	);
	server.on("upgrade", (request: IncomingMessage, socket: Duplex) => {
		refuseRaw(
			socket,
			403,
			"Forbidden",
			"EGRESS_UPGRADE_FORBIDDEN",
			`The sandbox's ${options.name} relay does not forward protocol upgrades (${String(request.headers.upgrade ?? "").slice(0, 50)}). Allowed: ${allowed}.`,
		);
	});
	server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
		refuseRaw(
			socket,
			403,
			"Forbidden",
			"EGRESS_ROUTE_FORBIDDEN",
			"CONNECT is not allowed through this relay",
		);
	});
	server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
		if (error.code === "HPE_HEADER_OVERFLOW") {
			refuseRaw(
				socket,
				431,
				"Request Header Fields Too Large",
				"EGRESS_HEADERS_TOO_LARGE",
				`request headers exceed ${relayMaxHeaderBytes} bytes`,
			);
			return;
		}
		if (error.code === "ECONNRESET" || !socket.writable) {
			socket.destroy();
			return;
		}
		refuseRaw(socket, 400, "Bad Request", "EGRESS_MALFORMED_REQUEST", "malformed HTTP request");
	});
	server.on("close", () => agent.destroy());
	server.on("connection", (socket: Socket) => socket.on("error", () => socket.destroy()));
	return server;
}
