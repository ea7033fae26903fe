import { sandboxes, sessions } from "@proliferate/services";
import { withoutEnvFiles } from "./env-files";
import type { SandboxStop } from "./sandbox-stops";
import type { LiveSession, SessionContext } from "./session-context";

// What the session does to its sandbox after the controller let go of it: the live sandbox is
// cleared, the stop watch closed and the event bridge stopped before pause, terminate and a
// stop's record run, so the stops they cause are never reported as unexpected.

/** Snapshots the live sandbox and records the snapshot on the session (its status unchanged). */
export async function snapshotSession(
	context: SessionContext,
	live: LiveSession,
): Promise<{ snapshotId: string }> {
	const { services } = context.deps;
	const snapshot = await withoutEnvFiles(context, live, { rerender: true }, () =>
		live.provider.snapshot(live.sandbox.sandboxId),
	);
	const session = await sessions.getSession(services, context.scope());
	await sessions.transitionSession(services, {
		...context.scope(),
		to: session.status,
		fields: { snapshotId: snapshot.snapshotId },
	});
	return { snapshotId: snapshot.snapshotId };
}

/** Pauses the sandbox through the provider (snapshot + stop), revokes the LLM keys, session `paused`. */
export async function pauseSession(
	context: SessionContext,
	live: LiveSession,
	reason: string,
): Promise<{ snapshotId: string }> {
	const { services } = context.deps;
	const snapshot = await withoutEnvFiles(context, live, { rerender: false }, () =>
		live.provider.pause(live.sandbox.sandboxId),
	);
	await context.revokeLlmAccess();
	await sandboxes.updateSandboxState(services, {
		organizationId: context.organizationId,
		sandboxId: live.sandboxRecordId,
		state: "paused",
	});
	await sessions.transitionSession(services, {
		...context.scope(),
		to: "paused",
		reason,
		fields: { snapshotId: snapshot.snapshotId },
	});
	await context.status("paused", reason === "paused" ? "Paused" : reason);
	return { snapshotId: snapshot.snapshotId };
}

/** Terminates the session's sandbox (live, or the one on record), revokes the LLM keys, session `stopped`. */
export async function terminateSession(
	context: SessionContext,
	live: LiveSession | undefined,
): Promise<void> {
	const { services, providers } = context.deps;
	const { organizationId } = context;
	const session = await sessions.getSession(services, context.scope());
	const recordId = live?.sandboxRecordId ?? session.sandboxId;
	if (recordId) {
		const record = await sandboxes
			.getSandbox(services, { organizationId, sandboxId: recordId })
			.catch(() => null);
		if (record) {
			await providers.get(record.provider).terminate(record.providerSandboxId);
			await sandboxes.updateSandboxState(services, {
				organizationId,
				sandboxId: record.id,
				state: "terminated",
			});
		}
	}
	await context.revokeLlmAccess();
	if (session.status !== "stopped")
		await sessions.transitionSession(services, { ...context.scope(), to: "stopped", reason: "terminated" });
	await context.status("stopped", "Terminated");
}

/**
 * The live sandbox stopped on its own (limit, expiry, kill, provider error): the sandbox is retired
 * (resume restores the last snapshot, else starts afresh), the session is `failed` with the reason
 * in the database, and clients get a `session.status` with the stop's kind, which also ends any
 * running turn. Nothing is written when another instance owns the session now.
 */
export async function recordSandboxStop(
	context: SessionContext,
	live: LiveSession,
	stop: SandboxStop,
): Promise<void> {
	const { services, logger } = context.deps;
	const { sessionId } = context;
	logger.warn(
		{ sessionId, sandboxId: live.sandbox.sandboxId, kind: stop.kind, reason: stop.message },
		"the session's sandbox stopped on its own",
	);
	// Another instance owns the session now: the stop is its to find (at its next boot), not ours to write.
	if (context.deps.stillOwner?.() === false) return;
	await context.revokeLlmAccess();
	await live.provider.terminate(live.sandbox.sandboxId).catch((error: unknown) => {
		logger.warn({ err: error, sessionId }, "removing the stopped sandbox failed");
	});
	await sandboxes.updateSandboxState(services, {
		organizationId: context.organizationId,
		sandboxId: live.sandboxRecordId,
		state: "terminated",
		reason: stop.message.slice(0, 2000),
	});
	const session = await sessions.transitionSession(services, {
		...context.scope(),
		to: "failed",
		reason: stop.message.slice(0, 2000),
	});
	// The turn that was running ends here: its open messages are completed as interrupted.
	for (const [messageId, parts] of context.deps.turnState?.().openMessages ?? []) {
		await context.publish({
			type: "message.completed",
			messageId,
			text: [...parts.values()].join(""),
			finishReason: "error",
			error: `Interrupted: the sandbox stopped (${stop.message})`,
		});
	}
	await context.publish({
		type: "session.status",
		status: "failed",
		message: `The sandbox stopped: ${stop.message}`,
		stopReason: { ...stop, canResume: session.snapshotId !== null },
	});
}
