import { sandboxes, sessions } from "@proliferate/services";
import { stopFromError, stopFromStatus } from "./sandbox-stops";
import type { SessionContext } from "./session-context";

/** What happened to a session no gateway was serving (see `pauseUnattendedSession`). */
export interface UnattendedOutcome {
	action: "none" | "paused" | "failed";
	status: string;
	reason?: string;
	snapshotId?: string | null;
}

/**
 * Pauses a session that no live sandbox connection serves (the gateway that ran it died), without
 * booting anything: the provider is asked for the sandbox on record; a running one is paused
 * (snapshot + stop, resumable), a gone one is retired and the session `failed` with the provider's
 * reason. Sessions that are not active, or that have no sandbox on record, are left as they are.
 * Safe to repeat: a second call finds the session paused or failed and does nothing.
 */
export async function pauseUnattendedSession(
	context: SessionContext,
	reason: string,
): Promise<UnattendedOutcome> {
	const { services, providers, logger } = context.deps;
	const { organizationId, sessionId } = context;
	const session = await sessions.getSession(services, context.scope());
	if (!sessions.activeStatuses.includes(session.status)) return { action: "none", status: session.status };
	const record = session.sandboxId
		? await sandboxes.getSandbox(services, { organizationId, sandboxId: session.sandboxId }).catch(() => null)
		: null;
	if (!record || record.state === "terminated") return { action: "none", status: session.status };
	const provider = providers.get(record.provider);
	const found = await provider.status(record.providerSandboxId).catch((error: unknown) => {
		const stop = stopFromError(error);
		if (!stop) throw error;
		return { state: "terminated" as const, reason: stop.message, stopKind: stop.kind, expiresAt: null };
	});
	const stop = stopFromStatus({ sandboxId: record.providerSandboxId, ...found });
	if (!stop && found.state === "running") {
		const snapshot = await provider.pause(record.providerSandboxId);
		await context.revokeLlmAccess();
		await sandboxes.updateSandboxState(services, { organizationId, sandboxId: record.id, state: "paused" });
		const paused = await sessions.transitionSession(services, {
			...context.scope(),
			to: "paused",
			reason,
			fields: { snapshotId: snapshot.snapshotId },
		});
		await context.status("paused", reason);
		logger.info({ sessionId, reason }, "paused a session no gateway was serving");
		return { action: "paused", status: paused.status, reason, snapshotId: snapshot.snapshotId };
	}
	const message = `the sandbox stopped while no gateway served the session (${stop?.message ?? found.state})`;
	await context.revokeLlmAccess();
	await provider.terminate(record.providerSandboxId).catch((error: unknown) => {
		logger.warn({ err: error, sessionId }, "removing the stopped sandbox failed");
	});
	await sandboxes.updateSandboxState(services, {
		organizationId,
		sandboxId: record.id,
		state: "terminated",
		reason: message.slice(0, 2000),
	});
	const failed = await sessions.transitionSession(services, {
		...context.scope(),
		to: "failed",
		reason: message.slice(0, 2000),
	});
	await context.publish({
		type: "session.status",
		status: "failed",
		message: `The sandbox stopped: ${message}`,
		stopReason: { kind: stop?.kind ?? "provider_error", message, canResume: failed.snapshotId !== null },
	});
	logger.warn({ sessionId, reason: message }, "a session no gateway was serving lost its sandbox");
	return { action: "failed", status: failed.status, reason: message, snapshotId: failed.snapshotId };
}
