import { modelRetriesExhausted, OpencodeEventMapper } from "@proliferate/agent-runtime";
import type { LiveSession, SessionContext, TurnState } from "./session-context";

/**
 * Bridges OpenCode's event stream into the session's event log until `live.bridge` aborts.
 * `resumed`: the turn a takeover continues (what of it is already published).
 */
export function startEventBridge(
	context: SessionContext,
	live: LiveSession,
	resumed?: TurnState["openMessages"],
): void {
	const mapper = new OpencodeEventMapper(live.opencodeSessionId, live.sandbox.workspaceDir);
	if (resumed) mapper.resume(resumed);
	void (async () => {
		let gaveUp = false;
		let caughtUp = !resumed;
		for await (const event of live.agent.events(live.bridge.signal)) {
			if (!caughtUp) {
				// Subscribed: now the text streamed while nobody listened can be fetched without a gap.
				caughtUp = true;
				const messages = await live.agent.messages(live.opencodeSessionId);
				for (const input of mapper.catchUp(messages as Parameters<typeof mapper.catchUp>[0]))
					await context.publish(input);
			}
			for (const input of mapper.map(event)) await context.publish(input);
			const exhausted = modelRetriesExhausted(event, live.opencodeSessionId);
			if (exhausted && !gaveUp) {
				gaveUp = true;
				await context.publish({
					type: "error",
					code: "MODEL_UNAVAILABLE",
					message: exhausted.message,
					retryable: true,
				});
				await live.agent.abort(live.opencodeSessionId).catch(() => {});
			}
			if (event.type === "session.idle") gaveUp = false;
		}
	})().catch((error: unknown) => {
		if (!live.bridge.signal.aborted)
			context.deps.logger.error({ err: error, sessionId: context.sessionId }, "event bridge failed");
	});
}
