import { sandboxes, sessions } from "@proliferate/services";
import { withoutEnvFiles } from "./env-files";
import type { LiveSession, SessionContext } from "./session-context";

/** How long after now to migrate: a quarter of the sandbox's lifetime (at most five minutes) before it ends. */
export function migrationDelayMs(expiresAt: number, now = Date.now()): number {
	const lifetime = expiresAt - now;
	const grace = Math.min(5 * 60_000, Math.max(1000, lifetime / 4));
	return Math.max(0, lifetime - grace);
}

/**
 * Moves the session off its sandbox: waits (up to 30 s) for the agent's turn to end, else aborts
 * it; `release` lets go of the live sandbox; snapshots; retires the old sandbox. The caller then
 * boots a fresh one from the snapshot. Clients see `migrating` (then `starting`, `running`).
 */
export async function leaveSandbox(
	context: SessionContext,
	live: LiveSession,
	reason: string,
	release: () => void,
): Promise<void> {
	const { services, isAgentBusy } = context.deps;
	await context.status("migrating", `Moving to a fresh sandbox: ${reason}`);
	const deadline = Date.now() + 30_000;
	while (isAgentBusy?.() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
	if (isAgentBusy?.()) await live.agent.abort(live.opencodeSessionId).catch(() => {});
	await sessions.transitionSession(services, { ...context.scope(), to: "migrating", reason });
	release();
	const snapshot = await withoutEnvFiles(context, live, { rerender: false }, () =>
		live.provider.snapshot(live.sandbox.sandboxId),
	);
	await sessions.transitionSession(services, {
		...context.scope(),
		to: "migrating",
		reason,
		fields: { snapshotId: snapshot.snapshotId },
	});
	await live.provider.terminate(live.sandbox.sandboxId);
	await context.revokeLlmAccess();
	await sandboxes.updateSandboxState(services, {
		organizationId: context.organizationId,
		sandboxId: live.sandboxRecordId,
		state: "terminated",
		reason: "migrated",
	});
}
