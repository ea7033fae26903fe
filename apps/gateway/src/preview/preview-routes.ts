import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@proliferate/logger";
import { DomainError, errorMessage } from "@proliferate/shared";
import { z } from "zod";
import { readJson, sendJson } from "../http/responses";
import type { HttpRoute, UpgradeRoute } from "../http/routing";
import { type HubManager, WrongInstanceError } from "../hub/hub-manager";
import type { SessionHub } from "../hub/session-hub";
import { proxyHttp } from "./port-proxy";
import type { PreviewLinks } from "./preview-links";
import { refuseWithStatus, type WebSocketRelay } from "./websocket-relay";

export interface PreviewDeps {
	hubs: HubManager;
	previewLinks: PreviewLinks;
	gatewayUrl: () => string;
	logger: Logger;
	/** Terminates preview WebSockets at the gateway and relays them to the sandbox port. */
	relay: WebSocketRelay;
}

const portSchema = z.coerce.number().int().min(1).max(65535);
const previewPath = /^\/preview\/(?<token>[A-Za-z0-9_-]+)(?<rest>\/.*)?$/;
const portPath = /^\/sessions\/(?<sessionId>[^/]+)\/ports\/(?<port>\d+)(?<rest>\/.*)?$/;
const previewLinksPath = /^\/sessions\/(?<sessionId>[^/]+)\/preview-links(?:\/(?<token>[A-Za-z0-9_-]+))?$/;

async function hubFor(deps: PreviewDeps, sessionId: string, organizationId: string): Promise<SessionHub> {
	const hub = await deps.hubs.getOrCreate(sessionId, organizationId);
	await hub.controller.ensureReady();
	return hub;
}

/**
 * Preview links (created and revoked by the session's users; served to anyone holding one) and the
 * authenticated port proxy (`?token=` for iframes).
 */
export function previewRoutes(deps: PreviewDeps): HttpRoute[] {
	return [
		{
			path: previewLinksPath,
			access: "session",
			handle: async ({ request, response, url, params, sessionId, organizationId }) => {
				if (request.method === "POST" && !params.token) {
					const { port } = await readJson(request, z.object({ port: portSchema }));
					const hub = await hubFor(deps, sessionId, organizationId);
					await hub.controller.resolvePort(port);
					const token = await deps.previewLinks.create({ sessionId, organizationId, port });
					const previewUrl = `${deps.gatewayUrl()}/preview/${token}/`;
					await hub.publish({ type: "preview.url", port, url: previewUrl });
					sendJson(response, 201, { token, url: previewUrl, port });
					return;
				}
				if (request.method === "DELETE") {
					const revoked = await deps.previewLinks.revoke(sessionId, params.token);
					sendJson(response, 200, { revoked });
					return;
				}
				throw new DomainError(
					"not_found",
					"ROUTE_NOT_FOUND",
					`No route for ${request.method} ${url.pathname}`,
				);
			},
		},
		{
			path: previewPath,
			access: "public",
			handle: async ({ request, response, url, params }) => {
				const target = await deps.previewLinks.resolve(params.token ?? "");
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
					`${params.rest ?? "/"}${url.search}`,
				);
			},
		},
		{
			path: portPath,
			access: "session",
			handle: async ({ request, response, url, params, sessionId, organizationId }) => {
				url.searchParams.delete("token");
				await proxyTo(
					deps,
					request,
					response,
					sessionId,
					organizationId,
					portSchema.parse(params.port),
					`${params.rest ?? "/"}${url.search}`,
				);
			},
		},
	];
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
export function previewUpgradeRoute(deps: PreviewDeps): UpgradeRoute {
	return {
		path: previewPath,
		access: "public",
		handle: ({ request, socket, head, url, params }) => {
			void (async () => {
				const target = await deps.previewLinks.resolve(params.token ?? "");
				if (!target) return refuseWithStatus(socket, 404, "This preview link does not exist or was revoked");
				const hub = await hubFor(deps, target.sessionId, target.organizationId);
				const targetBase = await hub.controller.resolvePort(target.port);
				if (socket.destroyed) return;
				deps.relay.relay({
					request,
					socket,
					head,
					targetBase,
					path: `${params.rest ?? "/"}${url.search}`,
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
		},
	};
}
