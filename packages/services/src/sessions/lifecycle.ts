import {
	createGatewayHttpClient,
	type GatewayHttpClient,
	GatewayRequestError,
} from "@proliferate/gateway-clients";
import { DomainError, type ErrorKind } from "@proliferate/shared";
import { signServiceToken, signUserToken } from "@proliferate/shared/auth";
import type { OrgScope, ServiceContext } from "../context";
import { getRepo } from "../repos/service";
import { InvalidSessionTransitionError } from "./errors";
import type { Session } from "./mapper";
import type { ModelOption } from "./models";
import { deleteSession, getSession } from "./service";
import { activeStatuses, type SessionStatus } from "./state";

/** How the web API reaches the gateway (HTTP only; it is never in the streaming path). */
export interface GatewayAccess {
	baseUrl: string;
	/** GATEWAY_JWT_SECRET: calls made for a person carry a short-lived user token. */
	userSecret: string;
	/** SERVICE_TO_SERVICE_SECRET: calls without a person carry a service token (needed only for those). */
	serviceSecret?: string;
	fetch?: typeof fetch;
}

export interface LifecycleDeps {
	context: ServiceContext;
	gateway: GatewayAccess;
}

/** Acting organization and, when a person acts, who. */
export interface Actor extends OrgScope {
	userId?: string | null;
}

export class GatewayUnavailableError extends DomainError {
	constructor(reason: string) {
		super("unavailable", "GATEWAY_UNAVAILABLE", `The session gateway is not reachable: ${reason}`);
	}
}

export class UnknownModelError extends DomainError {
	constructor(modelId: string) {
		super("invalid_input", "UNKNOWN_MODEL", `${modelId} is not one of the configured models`, { modelId });
	}
}

const branchPattern = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}$/;

export class InvalidBranchError extends DomainError {
	constructor(branch: string) {
		super("invalid_input", "INVALID_BRANCH", `${branch} is not a valid branch name`, { branch });
	}
}

function gatewayClient(gateway: GatewayAccess, actor: Actor): GatewayHttpClient {
	return createGatewayHttpClient({
		baseUrl: gateway.baseUrl,
		auth: {
			type: "token",
			token: () => {
				if (actor.userId) {
					return signUserToken(
						{ userId: actor.userId, organizationId: actor.organizationId, ttlSeconds: 60 },
						gateway.userSecret,
					);
				}
				if (!gateway.serviceSecret) throw new GatewayUnavailableError("no service secret is configured");
				return signServiceToken(
					{ service: "web", organizationId: actor.organizationId, ttlSeconds: 60 },
					gateway.serviceSecret,
				);
			},
		},
		organizationId: actor.organizationId,
		...(gateway.fetch ? { fetch: gateway.fetch } : {}),
	});
}

const kindByStatus: Record<number, ErrorKind> = {
	400: "invalid_input",
	401: "unauthenticated",
	403: "forbidden",
	404: "not_found",
	409: "conflict",
	412: "precondition_failed",
	429: "rate_limited",
	503: "unavailable",
	504: "timeout",
};

/** Runs one gateway call, turning its failures into domain errors the edges already map. */
async function callGateway<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof GatewayRequestError) {
			throw new DomainError(
				kindByStatus[error.status] ?? "unavailable",
				error.code,
				error.message,
				error.details,
			);
		}
		if (error instanceof DomainError) throw error;
		throw new GatewayUnavailableError(error instanceof Error ? error.message : String(error));
	}
}

export interface StartSessionParams extends Actor {
	repoId: string;
	branch?: string | null;
	modelId?: string | null;
	title?: string | null;
	initialPrompt?: string | null;
	/** The configured models (the model selector's list); the model must be one of them. */
	models: ModelOption[];
}

/**
 * Creates a session through the gateway, which records it and boots the sandbox in the background
 * (clients follow progress as `session.status` events on the stream), then sends the first prompt.
 */
export async function startSession(deps: LifecycleDeps, params: StartSessionParams): Promise<Session> {
	const repo = await getRepo(deps.context, params);
	const branch = params.branch?.trim() || repo.defaultBranch;
	if (!branchPattern.test(branch)) throw new InvalidBranchError(branch);
	const model = params.modelId
		? params.models.find((candidate) => candidate.id === params.modelId)
		: params.models.find((candidate) => candidate.isDefault);
	if (params.modelId && !model) throw new UnknownModelError(params.modelId);
	const created = await callGateway(() =>
		gatewayClient(deps.gateway, params).createSession({
			repoId: repo.id,
			branch,
			...(model ? { modelId: model.id } : {}),
			...(params.title?.trim() ? { title: params.title.trim() } : {}),
			...(params.initialPrompt?.trim() ? { initialPrompt: params.initialPrompt.trim() } : {}),
			kind: "coding",
		}),
	);
	return getSession(deps.context, { organizationId: params.organizationId, sessionId: created.session.id });
}

async function requireStatus(
	deps: LifecycleDeps,
	params: Actor & { sessionId: string },
	allowed: readonly SessionStatus[],
	target: SessionStatus,
): Promise<Session> {
	const session = await getSession(deps.context, params);
	if (!allowed.includes(session.status)) {
		throw new InvalidSessionTransitionError(session.id, session.status, target);
	}
	return session;
}

/** Snapshots and stops the sandbox; the session can be resumed later from the snapshot. */
export async function pauseSession(
	deps: LifecycleDeps,
	params: Actor & { sessionId: string },
): Promise<Session> {
	await requireStatus(deps, params, ["running", "starting"], "paused");
	await callGateway(() => gatewayClient(deps.gateway, params).pause(params.sessionId));
	return getSession(deps.context, params);
}

/** Boots a paused, stopped or failed session again (restoring its snapshot or workspace). */
export async function resumeSession(
	deps: LifecycleDeps,
	params: Actor & { sessionId: string },
): Promise<Session> {
	await requireStatus(deps, params, ["paused", "stopped", "failed"], "starting");
	await callGateway(() => gatewayClient(deps.gateway, params).resume(params.sessionId));
	return getSession(deps.context, params);
}

/** Saves a snapshot of a running session's sandbox (it keeps running). */
export async function snapshotSession(
	deps: LifecycleDeps,
	params: Actor & { sessionId: string },
): Promise<{ snapshotId: string }> {
	await requireStatus(deps, params, ["running"], "running");
	return callGateway(() => gatewayClient(deps.gateway, params).snapshot(params.sessionId));
}

/** Stops the sandbox when one may be running, then deletes the session's record. */
export async function removeSession(
	deps: LifecycleDeps,
	params: Actor & { sessionId: string },
): Promise<void> {
	const session = await getSession(deps.context, params);
	if (activeStatuses.includes(session.status) || session.status === "paused") {
		await callGateway(() => gatewayClient(deps.gateway, params).terminate(params.sessionId));
	}
	await deleteSession(deps.context, params);
}

/** A public, unguessable link to a port of the session's sandbox (revocable through the gateway). */
export async function createPreviewLink(
	deps: LifecycleDeps,
	params: Actor & { sessionId: string; port: number },
): Promise<{ url: string; port: number }> {
	await getSession(deps.context, params);
	const link = await callGateway(() =>
		gatewayClient(deps.gateway, params).createPreviewLink(params.sessionId, params.port),
	);
	return { url: link.url, port: link.port };
}
