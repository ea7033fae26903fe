import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import { type ServiceContext, sessions } from "@proliferate/services";
import { messageSourceSchema } from "@proliferate/shared";
import { z } from "zod";
import type { EventLog } from "../events/event-log";
import { type AuthSecrets, createAccessControl, organizationOf, type SessionAccess } from "../http/auth";
import { readJson, sendError, sendJson } from "../http/responses";
import { createHttpRouter, createUpgradeRouter, type HttpContext, type HttpRoute } from "../http/routing";
import type { HubManager } from "../hub/hub-manager";
import { sourceOf } from "../hub/session-hub";
import { type PreviewDeps, previewRoutes, previewUpgradeRoute } from "../preview/preview-routes";
import { type SandboxRouteDeps, sandboxRoute, terminalUpgradeRoute } from "../sandbox/sandbox-routes";
import type { StreamHandler } from "../ws/stream";
import { describeSandboxProviders } from "./sandbox-providers";
import { type ToolRouteDeps, toolRoutes } from "./tool-routes";

export interface RouteDeps {
	preview: PreviewDeps;
	sandbox: SandboxRouteDeps;
	tools: ToolRouteDeps;
	/** The session stream's WebSocket endpoint. */
	stream: StreamHandler;
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

type SessionContext = HttpContext & SessionAccess;

/** `POST /sessions/:id/<action>`-style routes of one session, for users and services of its organization. */
function sessionAction(
	method: string,
	action: string,
	handle: (context: SessionContext) => Promise<void>,
): HttpRoute {
	return { method, path: new RegExp(`^/sessions/(?<sessionId>[^/]+)/${action}$`), access: "session", handle };
}

/**
 * The gateway's HTTP and upgrade routers: every route with who may call it (the routers
 * authenticate, see `http/routing.ts`); handlers validate, call the hub or services, map errors.
 */
export function createRouter(deps: RouteDeps) {
	const { services, hubs, logger } = deps;

	const sessionRoutes: HttpRoute[] = [
		sessionAction("POST", "message", async ({ request, response, sessionId, organizationId, principal }) => {
			const body = await readJson(request, messageBody);
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			const result = await hub.prompt(
				{ type: "prompt", content: body.content, ...(body.images ? { images: body.images } : {}) },
				{ principal, source: body.source },
			);
			sendJson(response, 202, result);
		}),
		sessionAction("POST", "cancel", async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			await hub.controller.cancel();
			sendJson(response, 200, { cancelled: true });
		}),
		sessionAction("GET", "status", async ({ response, sessionId, organizationId }) => {
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
		sessionAction("POST", "pause", async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			sendJson(response, 200, await hub.controller.pause());
		}),
		sessionAction("POST", "resume", async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			await hub.controller.ensureReady();
			sendJson(response, 200, { status: "running" });
		}),
		sessionAction("POST", "snapshot", async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			sendJson(response, 200, await hub.controller.snapshot());
		}),
		sessionAction("POST", "terminate", async ({ response, sessionId, organizationId }) => {
			const hub = await hubs.getOrCreate(sessionId, organizationId);
			await hub.controller.terminate();
			await hubs.remove(sessionId);
			sendJson(response, 200, { status: "stopped" });
		}),
	];

	async function createSession({
		request,
		response,
		principal,
	}: HttpContext & { principal: SessionAccess["principal"] }) {
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

	const routes: HttpRoute[] = [
		{
			method: "OPTIONS",
			path: /^/,
			access: "public",
			handle: async ({ response }) => {
				response.writeHead(204);
				response.end();
			},
		},
		{
			method: "GET",
			path: /^\/health$/,
			access: "public",
			handle: async ({ response }) => sendJson(response, 200, { status: "ok", hubs: hubs.size }),
		},
		{
			method: "GET",
			path: /^\/sandbox-providers$/,
			// Deployment-wide (no organization data): any user or service token may read it.
			access: "principal",
			handle: async ({ response }) => sendJson(response, 200, describeSandboxProviders(deps.providers)),
		},
		{ method: "POST", path: /^\/sessions$/, access: "principal", handle: createSession },
		...previewRoutes(deps.preview),
		sandboxRoute(deps.sandbox),
		...toolRoutes(deps.tools),
		...sessionRoutes,
	];
	const accessControl = createAccessControl({ services, secrets: deps.secrets });
	return {
		handleRequest: createHttpRouter({
			routes,
			accessControl,
			sendError: (response, error) => sendError(response, error, logger),
		}),
		handleUpgrade: createUpgradeRouter({
			routes: [
				deps.stream.upgradeRoute,
				previewUpgradeRoute(deps.preview),
				terminalUpgradeRoute(deps.sandbox),
			],
			accessControl,
		}),
	};
}
