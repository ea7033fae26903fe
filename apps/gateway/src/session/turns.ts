import { randomUUID } from "node:crypto";
import type { AgentRuntime } from "@proliferate/agent-runtime";
import { sessions } from "@proliferate/services";
import type { DomainError, MessageSource } from "@proliferate/shared";
import { AgentUnavailableError, type SandboxStop, stopFromError, stopFromStatus } from "./sandbox-stops";
import {
	type LiveSession,
	type SessionContext,
	SessionNotRunningError,
	type TurnState,
} from "./session-context";

export interface PromptInput {
	text: string;
	images?: string[];
	source: MessageSource;
	senderId?: string;
}

/**
 * Starts a turn: publishes the user's `message.started`, hands the prompt to OpenCode and touches
 * the session. `onStop` records a sandbox that turns out to have stopped under the prompt.
 */
export async function sendPrompt(
	context: SessionContext,
	live: LiveSession,
	input: PromptInput,
	onStop: (stop: SandboxStop) => Promise<void>,
): Promise<{ messageId: string }> {
	const messageId = `usr_${randomUUID()}`;
	await context.publish({
		type: "message.started",
		messageId,
		role: "user",
		text: input.text,
		source: input.source,
		...(input.senderId ? { senderId: input.senderId } : {}),
	});
	try {
		await live.agent.prompt(live.opencodeSessionId, {
			text: input.text,
			...(input.images ? { images: input.images } : {}),
		});
	} catch (error) {
		throw await promptFailed(context, live, error, onStop);
	}
	await sessions.touchSession(context.deps.services, context.scope());
	return { messageId };
}

/**
 * OpenCode did not take a prompt after `message.started` went out. Either the sandbox stopped
 * (recorded as a stop; the caller gets SESSION_NOT_RUNNING) or the agent is not answering (an
 * `error` event with AGENT_UNAVAILABLE and the turn ends with `idle`). Driver text stays in the log.
 */
async function promptFailed(
	context: SessionContext,
	live: LiveSession,
	error: unknown,
	onStop: (stop: SandboxStop) => Promise<void>,
): Promise<DomainError> {
	context.deps.logger.warn({ err: error, sessionId: context.sessionId }, "OpenCode did not take the prompt");
	const stop =
		stopFromError(error) ??
		(await live.provider
			.status(live.sandbox.sandboxId)
			.then(stopFromStatus, (statusError: unknown) => stopFromError(statusError)));
	if (stop) {
		await onStop(stop);
		return new SessionNotRunningError(context.sessionId, "failed", stop.message);
	}
	const failure = new AgentUnavailableError();
	await context.publish({ type: "error", code: failure.code, message: failure.message, retryable: true });
	await context.status("idle", "The agent did not take the prompt");
	return failure;
}

/**
 * After a takeover in the middle of a turn (the log says the agent was working): when OpenCode
 * is still on it (the sandbox survived, its event stream is adopted), answers what was already
 * published so the bridge continues the turn from there; when it is not (the sandbox was
 * rebooted), closes the turn with final events: open messages completed as interrupted, an
 * error saying so, and the session idle.
 */
export async function takeOverTurn(
	context: SessionContext,
	agent: AgentRuntime,
	opencodeSessionId: string,
): Promise<TurnState["openMessages"] | undefined> {
	const turn = context.deps.turnState?.();
	if (!turn?.busy) return undefined;
	if (await agent.isBusy(opencodeSessionId).catch(() => false)) return turn.openMessages;
	const reason = "the gateway instance running this session stopped during the agent's turn";
	for (const [messageId, parts] of turn.openMessages) {
		await context.publish({
			type: "message.completed",
			messageId,
			text: [...parts.values()].join(""),
			finishReason: "error",
			error: `Interrupted: ${reason}`,
		});
	}
	await context.publish({
		type: "error",
		code: "TURN_INTERRUPTED",
		message: `The agent's turn was interrupted: ${reason}. The session goes on; send the prompt again to continue.`,
		retryable: true,
	});
	await context.publish({ type: "session.status", status: "idle", message: "The turn was interrupted" });
	return undefined;
}
