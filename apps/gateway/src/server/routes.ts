import type { ServerResponse } from "node:http";
import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import { idempotency, type ServiceContext, sessions } from "@proliferate/services";
import { DomainError, messageSourceSchema } from "@proliferate/shared";
import { z } from "zod";
import type { EventLog } from "../events/event-log";
import { type AuthSecrets, createAccessControl, organizationOf, type SessionAccess } from "../http/auth";
import { IDEMPOTENT_REPLAYED_HEADER, idempotencyKeyOf } from "../http/idempotency-key";
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

const superviseBody = z.object({ check: z.enum(["idle", "expiry"]) });

type SessionContext = HttpContext & SessionAccess;

class ServiceOnlyError extends DomainError {
	constructor() {
		super("forbidden", "SERVICE_ONLY", "Only platform services may supervise sessions");
	}
}

/** Answers an idempotent call's response (flagged when it is a repeat's stored one). */
function sendStored(response: ServerResponse, result: idempotency.IdempotentResult): void {
	if (result.replayed) response.setHeader(IDEMPOTENT_REPLAYED_HEADER, "true");
	sendJson(response, result.status, result.body);
}

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
			const idempotencyKey = idempotencyKeyOf(request);
			const deliver = async (): Promise<idempotency.StoredResponse> => {
				const hub = await hubs.getOrCreate(sessionId, organizationId);
				const result = await hub.prompt(
					{ type: "prompt", content: body.content, ...(body.images ? { images: body.images } : {}) },
					{ principal, source: body.source },
				);
				return { status: 202, body: result };
			};
			const result = idempotencyKey
				? await idempotency.runWithClaim(
						services,
						{ organizationId, scope: `sessions.message:${sessionId}`, key: idempotencyKey, request: body },
						deliver,
					)
				: { ...(await deliver()), replayed: false };
			sendStored(response, result);
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
		// The worker's session watch: the session's gateway is gone; this instance adopts or pauses it.
		sessionAction(
			"POST",
			"supervise",
			async ({ request, response, sessionId, organizationId, principal, session }) => {
				if (principal.kind !== "service") throw new ServiceOnlyError();
				const body = await readJson(request, superviseBody);
				const hub = await hubs.getOrCreate(sessionId, organizationId);
				sendJson(response, 200, await hub.supervise(body.check, session, principal));
			},
		),
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
		const idempotencyKey = idempotencyKeyOf(request);
		const create = async (context: ServiceContext) =>
			sessions.createSession(context, {
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
		if (idempotencyKey) {
			// The key and the session row commit together; a repeat gets the stored answer and boots nothing.
			let created: sessions.Session | undefined;
			const result = await idempotency.runInTransaction(
				services,
				{ organizationId, scope: "sessions.create", key: idempotencyKey, request: body },
				async (transaction) => {
					created = await create(transaction);
					return { status: 201, body: { session: created } };
				},
			);
			if (created && !result.replayed)
				await bootInBackground(created.id, organizationId, body.initialPrompt, principal);
			sendStored(response, result);
			return;
		}
		const session = await create(services);
		await bootInBackground(session.id, organizationId, body.initialPrompt, principal);
		sendJson(response, 201, { session });
	}

	async function bootInBackground(
		sessionId: string,
		organizationId: string,
		initialPrompt: string | undefined,
		principal: SessionAccess["principal"],
	): Promise<void> {
		const hub = await hubs.getOrCreate(sessionId, organizationId);
		// Boot in the background; clients follow progress as session.status events.
		void hub.controller
			.ensureReady()
			.then(async () => {
				if (initialPrompt) await hub.prompt({ type: "prompt", content: initialPrompt }, { principal });
			})
			.catch((error: unknown) => logger.warn({ err: error, sessionId }, "session boot failed"));
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
