import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import { type ServiceContext, sessions } from "@proliferate/services";
import { DomainError, messageSourceSchema } from "@proliferate/shared";
import { z } from "zod";
import type { EventLog } from "../events/event-log";
import type { HubManager } from "../hub/hub-manager";
import { sourceOf } from "../hub/session-hub";
import { handlePreviewRequest, type PreviewDeps } from "../preview/preview-routes";
import { handleSandboxRequest, type SandboxRouteDeps } from "../sandbox/sandbox-routes";
import { type AuthSecrets, authenticate, authorizeSession, organizationOf } from "./auth";
import { readJson, sendError, sendJson } from "./http-helpers";
import { describeSandboxProviders } from "./sandbox-providers";
import { handleArtifactDownload, handleToolRoute } from "./tool-routes";

export interface RouteDeps {
	preview: PreviewDeps;
	sandbox: SandboxRouteDeps;
	artifactsDirectory: string;
	services: ServiceContext;
	hubs: HubManager;
	eventLog: EventLog;
	secrets: AuthSecrets;
	logger: Logger;
	/** The deployment's sandbox providers (listed for the organization settings page). */
	providers: SandboxProviderRegistry;
}

const createSessionBody = z.object({
	repoId: z.uuid().optional(),
	title: z.string().max(200).optional(),
	initialPrompt: z.string().max(100_000).optional(),
	branch: z.string().max(200).optional(),
	modelId: z.string().max(200).optional(),
	kind: z.enum(["setup", "coding", "automation"]).optional(),
});
const messageBody = z.object({
	content: z.string().min(1).max(100_000),
	images: z.array(z.string().startsWith("data:image/")).max(8).optional(),
	source: messageSourceSchema.optional(),
});

type Handler = (context: {
	request: IncomingMessage;
	response: ServerResponse;
	url: URL;
	sessionId: string;
}) => Promise<void>;

/** HTTP routes: thin handlers that authenticate, validate, call the hub/services and map errors. */
export function createRouter(deps: RouteDeps) {
	const { services, hubs, logger } = deps;

	const withSession =
		(
			work: (input: {
				request: IncomingMessage;
				response: ServerResponse;
				sessionId: string;
				organizationId: string;
				principal: Awaited<ReturnType<typeof authenticate>>;
			}) => Promise<void>,
		): Handler =>
		async ({ request, response, url, sessionId }) => {
			const principal = await authenticate(request, url, deps.secrets);
			const organizationId = organizationOf(principal, request);
			await authorizeSession(services, principal, organizationId, sessionId);
			await work({ request, response, sessionId, organizationId, principal });
		};

	const sessionRoutes: Record<string, Handler> = {
		"POST message": withSession(async ({ request, response, sessionId, organizationId, principal }) => {
			const body = await readJson(request, messageBody);
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			const result = await hub.prompt(
				{ type: "prompt", content: body.content, ...(body.images ? { images: body.images } : {}) },
				{ principal, source: body.source },
			);
			sendJson(response, 202, result);
		}),
		"POST cancel": withSession(async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			await hub.controller.cancel();
			sendJson(response, 200, { cancelled: true });
		}),
		"GET status": withSession(async ({ response, sessionId, organizationId }) => {
			const session = await sessions.getSession(services, { organizationId, sessionId });
			const hub = hubs.get(sessionId);
			sendJson(response, 200, {
				sessionId,
				status: session.status,
				statusReason: session.statusReason,
				runtimeReady: hub?.controller.ready ?? false,
				clients: hub?.clientCount ?? 0,
				lastSeq: await deps.eventLog.lastSeq(sessionId),
			});
		}),
		"POST pause": withSession(async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			sendJson(response, 200, await hub.controller.pause());
		}),
		"POST resume": withSession(async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			await hub.controller.ensureReady();
			sendJson(response, 200, { status: "running" });
		}),
		"POST snapshot": withSession(async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			sendJson(response, 200, await hub.controller.snapshot());
		}),
		"POST terminate": withSession(async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			await hub.controller.terminate();
			await hubs.remove(sessionId);
			sendJson(response, 200, { status: "stopped" });
		}),
	};

	async function createSession(request: IncomingMessage, response: ServerResponse, url: URL) {
		const principal = await authenticate(request, url, deps.secrets);
		const organizationId = organizationOf(principal, request);
		const body = await readJson(request, createSessionBody);
		const session = await sessions.createSession(services, {
			organizationId,
			createdBy: principal.kind === "user" ? principal.userId : null,
			repoId: body.repoId ?? null,
			...(body.title ? { title: body.title } : {}),
			initialPrompt: body.initialPrompt ?? null,
			branch: body.branch ?? null,
			modelId: body.modelId ?? null,
			kind: body.kind ?? "coding",
			clientSource: sourceOf(principal),
		});
		const hub = await hubs.getOrCreate(session.id, organizationId);
		// Boot in the background; clients follow progress as session.status events.
		void hub.controller
			.ensureReady()
			.then(async () => {
				if (body.initialPrompt) {
					await hub.prompt({ type: "prompt", content: body.initialPrompt }, { principal });
				}
			})
			.catch((error: unknown) => logger.warn({ err: error, sessionId: session.id }, "session boot failed"));
		sendJson(response, 201, { session });
	}

	return async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? "/", "http://gateway");
		try {
			if (request.method === "OPTIONS") {
				response.writeHead(204);
				response.end();
				return;
			}
			if (request.method === "GET" && url.pathname === "/health") {
				sendJson(response, 200, { status: "ok", hubs: hubs.size });
				return;
			}
			if (request.method === "GET" && url.pathname === "/sandbox-providers") {
				// Deployment-wide (no organization data): any user or service token may read it.
				await authenticate(request, url, deps.secrets);
				sendJson(response, 200, describeSandboxProviders(deps.providers));
				return;
			}
			if (request.method === "POST" && url.pathname === "/sessions") {
				await createSession(request, response, url);
				return;
			}
			if (await handlePreviewRequest(deps.preview, request, response, url)) return;
			if (await handleSandboxRequest(deps.sandbox, request, response, url)) return;
			const toolMatch = url.pathname.match(/^\/sessions\/([^/]+)\/tools\/([a-z_]+)$/);
			if (request.method === "POST" && toolMatch?.[1] && toolMatch[2]) {
				await handleToolRoute(deps, request, response, decodeURIComponent(toolMatch[1]), toolMatch[2]);
				return;
			}
			const artifactMatch = url.pathname.match(/^\/sessions\/([^/]+)\/artifacts\/([^/]+)$/);
			if (request.method === "GET" && artifactMatch?.[1] && artifactMatch[2]) {
				await handleArtifactDownload(
					deps,
					request,
					response,
					url,
					decodeURIComponent(artifactMatch[1]),
					decodeURIComponent(artifactMatch[2]),
				);
				return;
			}
			const match = url.pathname.match(/^\/sessions\/([^/]+)\/([a-z]+)$/);
			const handler = match ? sessionRoutes[`${request.method} ${match[2]}`] : undefined;
			if (!match?.[1] || !handler) {
				throw new DomainError(
					"not_found",
					"ROUTE_NOT_FOUND",
					`No route for ${request.method} ${url.pathname}`,
				);
			}
			await handler({ request, response, url, sessionId: decodeURIComponent(match[1]) });
		} catch (error) {
			sendError(response, error, logger);
		}
	};
}
