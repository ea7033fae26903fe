import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import { DomainError, terminalCloseCodeFor } from "@proliferate/shared";
import { WebSocketServer } from "ws";
import { type HubManager, WrongInstanceError } from "../hub/hub-manager";
import type { SessionHub } from "../hub/session-hub";
import { proxyHttp } from "../preview/port-proxy";
import type { PreviewLinks } from "../preview/preview-links";
import type { WebSocketRelay } from "../preview/websocket-relay";
import { type AuthSecrets, authenticate, authorizeSession, organizationOf } from "../server/auth";
import { sendJson } from "../server/http-helpers";
import { closeReason, guardSocket } from "../ws/socket-guard";

export interface SandboxRouteDeps {
	services: ServiceContext;
	hubs: HubManager;
	secrets: AuthSecrets;
	previewLinks: PreviewLinks;
	gatewayUrl: () => string;
	logger: Logger;
	/** Terminates terminal WebSockets at the gateway and relays them to sandbox-mcp. */
	relay: WebSocketRelay;
}

/** `/sessions/:id/sandbox/<sandbox-mcp path>`: only these sandbox-mcp areas are reachable. */
const sandboxPath = /^\/sessions\/([^/]+)\/sandbox(\/(?:terminals|services|files|git)(?:\/[^?]*)?)$/;
const exposePath = /^\/services\/([^/]+)\/expose$/;
const terminalSocketPath = /^\/terminals\/[^/]+$/;

interface Target {
	sessionId: string;
	organizationId: string;
	hub: SessionHub;
	mcp: { url: string; token: string };
	/** The sandbox-mcp path with the query, minus the caller's `token`. */
	path: string;
	mcpPath: string;
}

/** Authenticates the caller, checks the session is theirs, boots the sandbox if needed, finds sandbox-mcp. */
async function resolveTarget(
	deps: SandboxRouteDeps,
	request: IncomingMessage,
	url: URL,
	match: RegExpMatchArray,
): Promise<Target> {
	const sessionId = decodeURIComponent(match[1] ?? "");
	const principal = await authenticate(request, url, deps.secrets);
	const organizationId = organizationOf(principal, request);
	await authorizeSession(deps.services, principal, organizationId, sessionId);
	const hub = await deps.hubs.getOrCreate(sessionId, organizationId);
	await hub.controller.ensureReady();
	const mcp = await hub.controller.sandboxMcp();
	url.searchParams.delete("token");
	const mcpPath = match[2] ?? "/";
	return { sessionId, organizationId, hub, mcp, mcpPath, path: `${mcpPath}${url.search}` };
}

/**
 * The terminal, service, file and git routes of the session's sandbox-mcp, for users (and services)
 * of the session's organization. Requests are forwarded with the sandbox's own token; exposing a
 * service also opens its port through the provider and answers a preview link.
 */
export async function handleSandboxRequest(
	deps: SandboxRouteDeps,
	request: IncomingMessage,
	response: ServerResponse,
	url: URL,
): Promise<boolean> {
	const match = url.pathname.match(sandboxPath);
	if (!match) return false;
	let target: Target;
	try {
		target = await resolveTarget(deps, request, url, match);
	} catch (error) {
		if (error instanceof WrongInstanceError && error.owner.url) {
			response.writeHead(307, { location: `${error.owner.url}${request.url ?? "/"}` });
			response.end();
			return true;
		}
		throw error;
	}
	const authorization = { authorization: `Bearer ${target.mcp.token}` };
	const expose = target.mcpPath.match(exposePath);
	if (request.method === "POST" && expose) {
		await exposeService(deps, target, authorization, response);
		return true;
	}
	await proxyHttp(request, response, target.mcp.url, target.path, authorization);
	return true;
}

async function exposeService(
	deps: SandboxRouteDeps,
	target: Target,
	authorization: Record<string, string>,
	response: ServerResponse,
): Promise<void> {
	let answer: Response;
	let body: { name: string; port: number } | { error: unknown };
	try {
		answer = await fetch(`${target.mcp.url}${target.mcpPath}`, { method: "POST", headers: authorization });
		body = (await answer.json()) as typeof body;
	} catch (error) {
		throw new DomainError(
			"unavailable",
			"SANDBOX_MCP_UNREACHABLE",
			`sandbox-mcp did not answer in the session's sandbox (${error instanceof Error ? error.message : String(error)})`,
		);
	}
	if (!answer.ok || !("port" in body)) {
		sendJson(response, answer.status, body);
		return;
	}
	await target.hub.controller.resolvePort(body.port);
	const token = await deps.previewLinks.create({
		sessionId: target.sessionId,
		organizationId: target.organizationId,
		port: body.port,
	});
	const url = `${deps.gatewayUrl()}/preview/${token}/`;
	await target.hub.publish({ type: "preview.url", port: body.port, url });
	sendJson(response, 200, { name: body.name, port: body.port, url, token });
}

/** Refusals need no frames from the client: anything over 1 KiB is a protocol error (1009). */
const refusals = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false });

/** Completes the handshake, sends one error frame and closes with a 44xx code (as the session stream does). */
function refuseUpgrade(
	request: IncomingMessage,
	socket: Duplex,
	head: Buffer,
	error: unknown,
	logger: Logger,
): void {
	const domain =
		error instanceof DomainError
			? error
			: new DomainError("internal", "INTERNAL", "The terminal could not be opened");
	if (!(error instanceof DomainError)) logger.error({ err: error }, "terminal proxy failed");
	if (socket.destroyed) return;
	refusals.handleUpgrade(request, socket, head, (ws) => {
		guardSocket(ws, { logger, label: "terminal refusal" });
		ws.send(JSON.stringify({ type: "error", code: domain.code, message: domain.message }));
		ws.close(terminalCloseCodeFor(domain.kind), closeReason(domain.code));
		// The client need not answer the close: the refusal is over either way.
		setTimeout(() => ws.terminate(), 5000).unref();
	});
}

/** Terminal WebSockets (`/sessions/:id/sandbox/terminals/:terminalId`), relayed to sandbox-mcp. */
export function handleSandboxUpgrade(
	deps: SandboxRouteDeps,
	request: IncomingMessage,
	socket: Duplex,
	head: Buffer,
): boolean {
	const url = new URL(request.url ?? "/", "http://gateway");
	const match = url.pathname.match(sandboxPath);
	if (!match?.[2] || !terminalSocketPath.test(match[2])) return false;
	void (async () => {
		const target = await resolveTarget(deps, request, url, match);
		if (socket.destroyed) return;
		deps.relay.relay({
			request,
			socket,
			head,
			targetBase: target.mcp.url,
			path: target.path,
			extraHeaders: { authorization: `Bearer ${target.mcp.token}` },
			label: "terminal",
			refuse: (error) => refuseUpgrade(request, socket, head, error, deps.logger),
		});
	})().catch((error: unknown) => refuseUpgrade(request, socket, head, error, deps.logger));
	return true;
}
