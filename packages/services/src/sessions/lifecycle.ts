import { DomainError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { callGateway, type GatewayAccess, gatewayClient } from "../gateway/client";
import { getRepo } from "../repos/service";
import { InvalidSessionTransitionError } from "./errors";
import type { Session } from "./mapper";
import type { ModelOption } from "./models";
import { deleteSession, getSession } from "./service";
import { activeStatuses, type SessionStatus } from "./state";

export { type GatewayAccess, GatewayUnavailableError } from "../gateway/client";

export interface LifecycleDeps {
	context: ServiceContext;
	gateway: GatewayAccess;
}

/** Acting organization and, when a person acts, who. */
export interface Actor extends OrgScope {
	userId?: string | null;
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
