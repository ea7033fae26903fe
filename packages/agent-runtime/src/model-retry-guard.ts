import type { Event as OpencodeEvent } from "@opencode-ai/sdk/v2";

/** Model requests OpenCode may retry before the platform gives up on the turn (OpenCode itself never stops). */
export const MAX_MODEL_RETRIES = 5;

/**
 * OpenCode retries failed model calls (5xx, connection errors) forever with growing backoff. This
 * says when a `retry` status for our session has reached the limit and the turn should be aborted.
 */
export function modelRetriesExhausted(
	event: OpencodeEvent,
	opencodeSessionId: string,
	maxRetries = MAX_MODEL_RETRIES,
): { message: string } | null {
	if (event.type !== "session.status" || event.properties.sessionID !== opencodeSessionId) return null;
	const status = event.properties.status;
	if (status.type !== "retry" || status.attempt < maxRetries) return null;
	return { message: `The model kept failing (${status.message}); gave up after ${status.attempt} attempts` };
}
