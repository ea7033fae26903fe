export const sessionStatuses = ["starting", "running", "paused", "migrating", "stopped", "failed"] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

/**
 * Allowed status transitions (the session state machine, see docs/specs/sessions-gateway.md).
 * Resume is paused/stopped → starting → running; a failed session may be retried.
 */
export const allowedTransitions: Record<SessionStatus, readonly SessionStatus[]> = {
	starting: ["running", "failed", "stopped", "paused"],
	running: ["paused", "migrating", "stopped", "failed", "starting"],
	migrating: ["starting", "running", "paused", "stopped", "failed"],
	paused: ["starting", "stopped", "failed"],
	stopped: ["starting"],
	failed: ["starting", "stopped"],
};

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
	return from === to || allowedTransitions[from].includes(to);
}

/** Statuses in which a sandbox may be running (billing and sweepers use this). */
export const activeStatuses: readonly SessionStatus[] = ["starting", "running", "migrating"];

/** Whether a session in `status` may still hold a sandbox that must be stopped before it is deleted. */
export function mayHoldSandbox(status: SessionStatus): boolean {
	return activeStatuses.includes(status) || status === "paused";
}
