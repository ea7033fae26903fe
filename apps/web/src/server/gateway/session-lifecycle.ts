import { callGateway, gatewayClient } from "@proliferate/gateway-clients/server";
import { sessions } from "@proliferate/services";
import type { GatewayActor, GatewayDeps } from "./deps";

/**
 * The session lifecycle of the web API: services check the rules and read the rows, the gateway
 * (over HTTP, never in the streaming path) boots, pauses, resumes, snapshots and stops sandboxes.
 */

export interface StartSessionParams extends GatewayActor {
	repoId: string;
	branch?: string | null;
	modelId?: string | null;
	title?: string | null;
	initialPrompt?: string | null;
	/** The configured models (the model selector's list); the model must be one of them. */
	models: sessions.ModelOption[];
}

/**
 * Creates a session through the gateway, which records it and boots the sandbox in the background
 * (clients follow progress as `session.status` events on the stream), then sends the first prompt.
 */
export async function startSession(deps: GatewayDeps, params: StartSessionParams): Promise<sessions.Session> {
	const { repo, branch, model } = await sessions.planSessionStart(deps.context, params);
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
	return sessions.getSession(deps.context, {
		organizationId: params.organizationId,
		sessionId: created.session.id,
	});
}

/** Snapshots and stops the sandbox; the session can be resumed later from the snapshot. */
export async function pauseSession(
	deps: GatewayDeps,
	params: GatewayActor & { sessionId: string },
): Promise<sessions.Session> {
	await sessions.requireSessionStatus(deps.context, params, ["running", "starting"], "paused");
	await callGateway(() => gatewayClient(deps.gateway, params).pause(params.sessionId));
	return sessions.getSession(deps.context, params);
}

/** Boots a paused, stopped or failed session again (restoring its snapshot or workspace). */
export async function resumeSession(
	deps: GatewayDeps,
	params: GatewayActor & { sessionId: string },
): Promise<sessions.Session> {
	await sessions.requireSessionStatus(deps.context, params, ["paused", "stopped", "failed"], "starting");
	await callGateway(() => gatewayClient(deps.gateway, params).resume(params.sessionId));
	return sessions.getSession(deps.context, params);
}

/** Saves a snapshot of a running session's sandbox (it keeps running). */
export async function snapshotSession(
	deps: GatewayDeps,
	params: GatewayActor & { sessionId: string },
): Promise<{ snapshotId: string }> {
	await sessions.requireSessionStatus(deps.context, params, ["running"], "running");
	return callGateway(() => gatewayClient(deps.gateway, params).snapshot(params.sessionId));
}

/** Stops the sandbox when one may be running, then deletes the session's record. */
export async function removeSession(
	deps: GatewayDeps,
	params: GatewayActor & { sessionId: string },
): Promise<void> {
	const session = await sessions.getSession(deps.context, params);
	if (sessions.mayHoldSandbox(session.status)) {
		await callGateway(() => gatewayClient(deps.gateway, params).terminate(params.sessionId));
	}
	await sessions.deleteSession(deps.context, params);
}

/** A public, unguessable link to a port of the session's sandbox (revocable through the gateway). */
export async function createPreviewLink(
	deps: GatewayDeps,
	params: GatewayActor & { sessionId: string; port: number },
): Promise<{ url: string; port: number }> {
	await sessions.getSession(deps.context, params);
	const link = await callGateway(() =>
		gatewayClient(deps.gateway, params).createPreviewLink(params.sessionId, params.port),
	);
	return { url: link.url, port: link.port };
}
