import type {
	SandboxStopReason,
	SessionEvent,
	SessionEventOf,
	SessionRuntimeStatus,
} from "@proliferate/shared/events";

/** One part of a message, in arrival order: streamed text or a tool call. */
export type MessagePart =
	| { kind: "text"; partId: string; text: string }
	| {
			kind: "tool";
			toolCallId: string;
			tool: string;
			title?: string;
			input?: Record<string, unknown>;
			output?: string;
			error?: string;
			/** `failed`: it ran and reported failure (a command's non-zero `exitCode`); `error`: it could not run. */
			status: "running" | "completed" | "failed" | "error";
			exitCode?: number;
			durationMs?: number;
	  };

export interface TranscriptMessage {
	id: string;
	role: "user" | "assistant";
	parts: MessagePart[];
	/** Final text once the message completed (authoritative over the streamed deltas). */
	completedText?: string;
	status: "streaming" | "completed" | "aborted" | "error";
	error?: string;
	source?: string;
	time: string;
}

export interface TranscriptState {
	lastSeq: number;
	messages: TranscriptMessage[];
	status: SessionRuntimeStatus | null;
	statusMessage?: string;
	progress?: { step: string; fraction: number };
	/** Why the sandbox stopped on its own (limit, expiry, kill), while the session stays stopped. */
	stopReason?: SandboxStopReason;
	/** True while the agent works on a turn (from a user's prompt to the agent's idle). */
	agentBusy: boolean;
	/** Files changed since the session started (latest change wins), for the diff panel. */
	changedFiles: Record<string, SessionEventOf<"file.changed">["change"]>;
	/** Bumps on each file change so the diff panel knows to refresh. */
	fileChangeCount: number;
	previews: { port: number; url: string; name?: string }[];
	envRequests: (SessionEventOf<"env.requested"> & { submitted: boolean })[];
	artifacts: SessionEventOf<"artifact.created">[];
	gitResults: SessionEventOf<"git.result">[];
	errors: SessionEventOf<"error">[];
}

export const emptyTranscript: TranscriptState = {
	lastSeq: 0,
	messages: [],
	status: null,
	agentBusy: false,
	changedFiles: {},
	fileChangeCount: 0,
	previews: [],
	envRequests: [],
	artifacts: [],
	gitResults: [],
	errors: [],
};

function updateMessage(
	state: TranscriptState,
	messageId: string,
	update: (message: TranscriptMessage) => TranscriptMessage,
	time: string,
): TranscriptMessage[] {
	const index = state.messages.findIndex((message) => message.id === messageId);
	if (index === -1) {
		// A delta or tool for a message whose start we never saw: open an assistant message for it.
		return [
			...state.messages,
			update({ id: messageId, role: "assistant", parts: [], status: "streaming", time }),
		];
	}
	const messages = state.messages.slice();
	messages[index] = update(messages[index] as TranscriptMessage);
	return messages;
}

function findToolMessage(state: TranscriptState, toolCallId: string): TranscriptMessage | undefined {
	for (let index = state.messages.length - 1; index >= 0; index--) {
		const message = state.messages[index];
		if (message?.parts.some((part) => part.kind === "tool" && part.toolCallId === toolCallId)) return message;
	}
	return undefined;
}

function updateTool(
	state: TranscriptState,
	toolCallId: string,
	time: string,
	update: (part: Extract<MessagePart, { kind: "tool" }>) => Extract<MessagePart, { kind: "tool" }>,
): TranscriptMessage[] {
	const owner = findToolMessage(state, toolCallId);
	if (!owner) return state.messages;
	return updateMessage(
		state,
		owner.id,
		(message) => ({
			...message,
			parts: message.parts.map((part) =>
				part.kind === "tool" && part.toolCallId === toolCallId ? update(part) : part,
			),
		}),
		time,
	);
}

/**
 * Folds one event into the transcript. Events at or below `lastSeq` are ignored, so a replay after
 * a reconnect or a page reload never duplicates anything.
 */
export function applyEvent(state: TranscriptState, event: SessionEvent): TranscriptState {
	if (event.seq <= state.lastSeq) return state;
	const next: TranscriptState = { ...state, lastSeq: event.seq };
	switch (event.type) {
		case "session.status":
			next.status = event.status;
			next.statusMessage = event.message;
			next.progress = event.progress;
			next.stopReason = event.stopReason;
			// A stopped sandbox ends the turn: what was still streaming will never complete.
			if (event.stopReason)
				next.messages = state.messages.map((message) =>
					message.status === "streaming"
						? { ...message, status: "error", error: "Interrupted: the sandbox stopped." }
						: message,
				);
			if (
				event.status === "idle" ||
				event.status === "paused" ||
				event.status === "stopped" ||
				event.status === "failed"
			)
				next.agentBusy = false;
			return next;
		case "message.started":
			if (state.messages.some((message) => message.id === event.messageId)) return next;
			next.messages = [
				...state.messages,
				{
					id: event.messageId,
					role: event.role,
					parts: event.text ? [{ kind: "text", partId: "prompt", text: event.text }] : [],
					status: event.role === "user" ? "completed" : "streaming",
					...(event.source ? { source: event.source } : {}),
					time: event.time,
				},
			];
			if (event.role === "user") next.agentBusy = true;
			return next;
		case "message.delta":
			next.messages = updateMessage(
				state,
				event.messageId,
				(message) => {
					const parts = message.parts.slice();
					const index = parts.findIndex((part) => part.kind === "text" && part.partId === event.partId);
					const existing = parts[index];
					if (existing?.kind === "text") parts[index] = { ...existing, text: existing.text + event.delta };
					else parts.push({ kind: "text", partId: event.partId, text: event.delta });
					return { ...message, parts };
				},
				event.time,
			);
			return next;
		case "message.completed":
			next.messages = updateMessage(
				state,
				event.messageId,
				(message) => ({
					...message,
					status:
						event.finishReason === "aborted"
							? "aborted"
							: event.finishReason === "error"
								? "error"
								: "completed",
					...(event.text !== undefined ? { completedText: event.text } : {}),
					...(event.error ? { error: event.error } : {}),
				}),
				event.time,
			);
			return next;
		case "tool.started":
			next.messages = updateMessage(
				state,
				event.messageId,
				(message) =>
					message.parts.some((part) => part.kind === "tool" && part.toolCallId === event.toolCallId)
						? message
						: {
								...message,
								parts: [
									...message.parts,
									{
										kind: "tool",
										toolCallId: event.toolCallId,
										tool: event.tool,
										status: "running",
										...(event.input ? { input: event.input } : {}),
									},
								],
							},
				event.time,
			);
			return next;
		case "tool.updated":
			next.messages = updateTool(state, event.toolCallId, event.time, (part) => ({
				...part,
				...(event.title ? { title: event.title } : {}),
				...(event.input ? { input: event.input } : {}),
				...(event.output !== undefined ? { output: event.output } : {}),
			}));
			return next;
		case "tool.completed":
			next.messages = updateTool(state, event.toolCallId, event.time, (part) => ({
				...part,
				status: event.status,
				...(event.title ? { title: event.title } : {}),
				...(event.output !== undefined ? { output: event.output } : {}),
				...(event.error ? { error: event.error } : {}),
				...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
				...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
			}));
			return next;
		case "file.changed":
			next.changedFiles = { ...state.changedFiles, [event.path]: event.change };
			next.fileChangeCount = state.fileChangeCount + 1;
			return next;
		case "preview.url":
			next.previews = [
				...state.previews.filter((preview) => preview.port !== event.port),
				{ port: event.port, url: event.url, ...(event.name ? { name: event.name } : {}) },
			].sort((left, right) => left.port - right.port);
			return next;
		case "env.requested":
			next.envRequests = [...state.envRequests, { ...event, submitted: false }];
			return next;
		case "artifact.created":
			next.artifacts = [...state.artifacts, event];
			return next;
		case "git.result":
			next.gitResults = [...state.gitResults, event].slice(-20);
			if (event.action === "commit" && event.success) next.fileChangeCount = state.fileChangeCount + 1;
			return next;
		case "error":
			next.errors = [...state.errors, event].slice(-20);
			return next;
		default:
			return next;
	}
}

/** Marks an env request as answered (after the gateway acknowledged the values). */
export function markEnvSubmitted(state: TranscriptState, requestId: string): TranscriptState {
	return {
		...state,
		envRequests: state.envRequests.map((request) =>
			request.requestId === requestId ? { ...request, submitted: true } : request,
		),
	};
}

/** The text to show for a text part: the streamed text, or the final text when it completed. */
export function messageText(message: TranscriptMessage): string {
	return message.parts
		.filter((part): part is Extract<MessagePart, { kind: "text" }> => part.kind === "text")
		.map((part) => part.text)
		.join("");
}
