import type { LiveSession, SessionContext, TurnState } from "./session-context";

/**
 * Publishes the session's OpenCode events (already in the platform's protocol: see
 * `AgentRuntime.sessionEvents`) to the hub until `live.bridge` aborts. `resumed`: the turn a
 * takeover continues (what of it is already published).
 */
export function startEventBridge(
	context: SessionContext,
	live: LiveSession,
	resumed?: TurnState["openMessages"],
): void {
	const events = live.agent.sessionEvents(live.opencodeSessionId, {
		signal: live.bridge.signal,
		workspaceDir: live.sandbox.workspaceDir,
		...(resumed ? { resume: resumed } : {}),
	});
	void (async () => {
		for await (const input of events) await context.publish(input);
	})().catch((error: unknown) => {
		if (!live.bridge.signal.aborted)
			context.deps.logger.error({ err: error, sessionId: context.sessionId }, "event bridge failed");
	});
}
