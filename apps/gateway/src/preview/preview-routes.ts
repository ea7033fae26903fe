import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import { DomainError, errorMessage } from "@proliferate/shared";
import { z } from "zod";
import { type HubManager, WrongInstanceError } from "../hub/hub-manager";
import type { SessionHub } from "../hub/session-hub";
import { type AuthSecrets, authenticate, authorizeSession, organizationOf } from "../server/auth";
import { readJson, sendJson } from "../server/http-helpers";
import { proxyHttp } from "./port-proxy";
import type { PreviewLinks } from "./preview-links";
import { refuseWithStatus, type WebSocketRelay } from "./websocket-relay";

export interface PreviewDeps {
	services: ServiceContext;
	hubs: HubManager;
	previewLinks: PreviewLinks;
	secrets: AuthSecrets;
	gatewayUrl: () => string;
	logger: Logger;
	/** Terminates preview WebSockets at the gateway and relays them to the sandbox port. */
	relay: WebSocketRelay;
}

const portSchema = z.coerce.number().int().min(1).max(65535);
const previewPath = /^\/preview\/([A-Za-z0-9_-]+)(\/.*)?$/;
const portPath = /^\/sessions\/([^/]+)\/ports\/(\d+)(\/.*)?$/;

async function hubFor(deps: PreviewDeps, sessionId: string, organizationId: string): Promise<SessionHub> {
	const hub = await deps.hubs.getOrCreate(sessionId, organizationId);
	await hub.controller.ensureReady();
	return hub;
}

/** Handles preview routes; returns false when the request is not one of them. */
export async function handlePreviewRequest(
	deps: PreviewDeps,
	request: IncomingMessage,
	response: ServerResponse,
	url: URL,
): Promise<boolean> {
	const links = url.pathname.match(/^\/sessions\/([^/]+)\/preview-links(?:\/([A-Za-z0-9_-]+))?$/);
	if (links?.[1]) {
		const sessionId = decodeURIComponent(links[1]);
		const principal = await authenticate(request, url, deps.secrets);
		const organizationId = organizationOf(principal, request);
		await authorizeSession(deps.services, principal, organizationId, sessionId);
		if (request.method === "POST" && !links[2]) {
			const { port } = await readJson(request, z.object({ port: portSchema }));
			const hub = await hubFor(deps, sessionId, organizationId);
			await hub.controller.resolvePort(port);
			const token = await deps.previewLinks.create({ sessionId, organizationId, port });
			const previewUrl = `${deps.gatewayUrl()}/preview/${token}/`;
			await hub.publish({ type: "preview.url", port, url: previewUrl });
			sendJson(response, 201, { token, url: previewUrl, port });
			return true;
		}
		if (request.method === "DELETE") {
			const revoked = await deps.previewLinks.revoke(sessionId, links[2]);
			sendJson(response, 200, { revoked });
			return true;
		}
		throw new DomainError("not_found", "ROUTE_NOT_FOUND", `No route for ${request.method} ${url.pathname}`);
	}
	const preview = url.pathname.match(previewPath);
	if (preview?.[1]) {
		const target = await deps.previewLinks.resolve(preview[1]);
		if (!target)
			throw new DomainError(
				"not_found",
				"PREVIEW_NOT_FOUND",
				"This preview link does not exist or was revoked",
			);
		await proxyTo(
			deps,
			request,
			response,
			target.sessionId,
			target.organizationId,
			target.port,
			`${preview[2] ?? "/"}${url.search}`,
		);
		return true;
	}
	const port = url.pathname.match(portPath);
	if (port?.[1] && port[2]) {
		const sessionId = decodeURIComponent(port[1]);
		const principal = await authenticate(request, url, deps.secrets);
		const organizationId = organizationOf(principal, request);
		await authorizeSession(deps.services, principal, organizationId, sessionId);
		url.searchParams.delete("token");
		await proxyTo(
			deps,
			request,
			response,
			sessionId,
			organizationId,
			portSchema.parse(port[2]),
			`${port[3] ?? "/"}${url.search}`,
		);
		return true;
	}
	return false;
}

async function proxyTo(
	deps: PreviewDeps,
	request: IncomingMessage,
	response: ServerResponse,
	sessionId: string,
	organizationId: string,
	port: number,
	path: string,
): Promise<void> {
	let hub: SessionHub;
	try {
		hub = await hubFor(deps, sessionId, organizationId);
	} catch (error) {
		if (error instanceof WrongInstanceError && error.owner.url) {
			response.writeHead(307, { location: `${error.owner.url}${request.url ?? "/"}` });
			response.end();
			return;
		}
		throw error;
	}
	await proxyHttp(request, response, await hub.controller.resolvePort(port), path);
}

/** WebSocket upgrades on preview links (dev servers' hot reload), relayed frame by frame to the sandbox port. */
export function handlePreviewUpgrade(
	deps: PreviewDeps,
	request: IncomingMessage,
	socket: Duplex,
	head: Buffer,
): boolean {
	const url = new URL(request.url ?? "/", "http://gateway");
	const preview = url.pathname.match(previewPath);
	if (!preview?.[1]) return false;
	void (async () => {
		const target = await deps.previewLinks.resolve(preview[1] ?? "");
		if (!target) return refuseWithStatus(socket, 404, "This preview link does not exist or was revoked");
		const hub = await hubFor(deps, target.sessionId, target.organizationId);
		const targetBase = await hub.controller.resolvePort(target.port);
		if (socket.destroyed) return;
		deps.relay.relay({
			request,
			socket,
			head,
			targetBase,
			path: `${preview[2] ?? "/"}${url.search}`,
			label: "preview",
			refuse: (error) => refuseWithStatus(socket, 502, error.message),
		});
	})().catch((error: unknown) => {
		if (!(error instanceof DomainError)) deps.logger.error({ err: error }, "preview WebSocket failed");
		refuseWithStatus(
			socket,
			error instanceof DomainError && error.kind === "not_found" ? 404 : 502,
			errorMessage(error),
		);
	});
	return true;
}
