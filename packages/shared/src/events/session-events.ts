import { z } from "zod";

/**
 * The event protocol: everything a session does reaches clients as one ordered stream of these.
 * Every event carries `sessionId`, a per-session monotonically increasing `seq` (1, 2, 3, …,
 * no gaps), an ISO `time` and a `type`. Payload shapes evolve only by adding optional fields.
 */

/** What a person sees as the session's state (superset of the DB status, adds transient states). */
export const sessionRuntimeStatuses = [
	"creating",
	"starting",
	"running",
	"idle",
	"paused",
	"resuming",
	"migrating",
	"stopped",
	"failed",
] as const;
export const sessionRuntimeStatusSchema = z.enum(sessionRuntimeStatuses);
export type SessionRuntimeStatus = z.infer<typeof sessionRuntimeStatusSchema>;

export const messageSourceSchema = z.enum(["web", "api", "cli", "slack", "automation"]);
export type MessageSource = z.infer<typeof messageSourceSchema>;

/**
 * Why a sandbox stopped without the session asking for it: a resource limit (memory, process
 * count, disk), the end of its lifetime, an outside kill, or a provider error.
 */
export const sandboxStopKinds = [
	"memory_limit",
	"process_limit",
	"disk_limit",
	"expired",
	"killed",
	"provider_error",
] as const;
export const sandboxStopKindSchema = z.enum(sandboxStopKinds);
export type SandboxStopKind = z.infer<typeof sandboxStopKindSchema>;

export const sandboxStopReasonSchema = z.object({
	kind: sandboxStopKindSchema,
	/** What happened, for people (e.g. "the sandbox exceeded its memory limit (128 MB)"). */
	message: z.string(),
	/** Whether the session has a snapshot it can resume from (else the way on is a fresh session). */
	canResume: z.boolean().optional(),
});
export type SandboxStopReason = z.infer<typeof sandboxStopReasonSchema>;

const base = {
	sessionId: z.string(),
	seq: z.number().int().positive(),
	time: z.string(),
};

const statusChanged = z.object({
	...base,
	type: z.literal("session.status"),
	status: sessionRuntimeStatusSchema,
	message: z.string().optional(),
	/** Progress of a long operation (boot, migration): step label and fraction 0..1. */
	progress: z.object({ step: z.string(), fraction: z.number().min(0).max(1) }).optional(),
	/** Set when the sandbox stopped on its own (limit, expiry, kill, provider error), not at the session's request. */
	stopReason: sandboxStopReasonSchema.optional(),
});

const messageStarted = z.object({
	...base,
	type: z.literal("message.started"),
	messageId: z.string(),
	role: z.enum(["user", "assistant"]),
	/** Full text for user messages (assistant text arrives as deltas). */
	text: z.string().optional(),
	source: messageSourceSchema.optional(),
	senderId: z.string().optional(),
});

const messageDelta = z.object({
	...base,
	type: z.literal("message.delta"),
	messageId: z.string(),
	partId: z.string(),
	delta: z.string(),
});

const messageCompleted = z.object({
	...base,
	type: z.literal("message.completed"),
	messageId: z.string(),
	/** Final text of the message (all text parts joined), so late joiners need no deltas. */
	text: z.string().optional(),
	finishReason: z.enum(["stop", "tool-calls", "aborted", "error", "length", "other"]).optional(),
	error: z.string().optional(),
});

const toolStarted = z.object({
	...base,
	type: z.literal("tool.started"),
	messageId: z.string(),
	toolCallId: z.string(),
	tool: z.string(),
	input: z.record(z.string(), z.unknown()).optional(),
});

const toolUpdated = z.object({
	...base,
	type: z.literal("tool.updated"),
	toolCallId: z.string(),
	tool: z.string(),
	title: z.string().optional(),
	input: z.record(z.string(), z.unknown()).optional(),
	/** Partial output so far (e.g. a running bash command). */
	output: z.string().optional(),
});

const toolCompleted = z.object({
	...base,
	type: z.literal("tool.completed"),
	toolCallId: z.string(),
	tool: z.string(),
	/**
	 * `completed`: the tool did its job; `failed`: it ran but reported failure (a command that exited
	 * non-zero, with `exitCode`); `error`: the tool itself could not run (bad input, tool error).
	 */
	status: z.enum(["completed", "failed", "error"]),
	title: z.string().optional(),
	output: z.string().optional(),
	error: z.string().optional(),
	/** Exit code of the command a shell tool ran (OpenCode's bash tool reports it in its metadata). */
	exitCode: z.number().int().optional(),
	durationMs: z.number().int().nonnegative().optional(),
});

const fileChanged = z.object({
	...base,
	type: z.literal("file.changed"),
	path: z.string(),
	change: z.enum(["added", "modified", "deleted"]),
});

export const gitResultCodes = [
	"SUCCESS",
	"NOTHING_TO_COMMIT",
	"NO_REMOTE",
	"NOT_A_REPO",
	"AUTH_FAILED",
	"NOT_GITHUB_REMOTE",
	"GITHUB_NOT_CONNECTED",
	"BRANCH_EXISTS",
	"MERGE_CONFLICT",
	"REPO_BUSY",
	"INVALID_INPUT",
	"UNKNOWN_ERROR",
] as const;

const gitResult = z.object({
	...base,
	type: z.literal("git.result"),
	action: z.enum(["status", "diff", "create_branch", "commit", "push", "create_pr"]),
	success: z.boolean(),
	code: z.enum(gitResultCodes),
	message: z.string(),
	prUrl: z.string().optional(),
	requestId: z.string().optional(),
});

const previewUrl = z.object({
	...base,
	type: z.literal("preview.url"),
	port: z.number().int(),
	url: z.string(),
	name: z.string().optional(),
});

const envRequested = z.object({
	...base,
	type: z.literal("env.requested"),
	requestId: z.string(),
	keys: z.array(
		z.object({
			key: z.string(),
			description: z.string().optional(),
			type: z.enum(["env", "secret"]).optional(),
			required: z.boolean().optional(),
			suggestions: z
				.array(
					z.object({ label: z.string(), value: z.string().optional(), instructions: z.string().optional() }),
				)
				.optional(),
		}),
	),
});

const artifactCreated = z.object({
	...base,
	type: z.literal("artifact.created"),
	artifactId: z.string(),
	name: z.string(),
	contentType: z.string(),
	sizeBytes: z.number().int().nonnegative(),
	url: z.string(),
	kind: z.enum(["screenshot", "file", "log", "report"]).optional(),
});

const actionApprovalRequested = z.object({
	...base,
	type: z.literal("action.approval_requested"),
	invocationId: z.string(),
	integration: z.string(),
	action: z.string(),
	riskLevel: z.enum(["read", "write", "danger"]),
	params: z.record(z.string(), z.unknown()),
	expiresAt: z.string(),
});

const errorEvent = z.object({
	...base,
	type: z.literal("error"),
	code: z.string(),
	message: z.string(),
	retryable: z.boolean().optional(),
});

export const sessionEventSchema = z.discriminatedUnion("type", [
	statusChanged,
	messageStarted,
	messageDelta,
	messageCompleted,
	toolStarted,
	toolUpdated,
	toolCompleted,
	fileChanged,
	gitResult,
	previewUrl,
	envRequested,
	artifactCreated,
	actionApprovalRequested,
	errorEvent,
]);

export type SessionEvent = z.infer<typeof sessionEventSchema>;
export type SessionEventType = SessionEvent["type"];
export type SessionEventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;

/** An event before the event log stamps it with `seq` and `time`. */
export type SessionEventInput = SessionEvent extends infer E
	? E extends SessionEvent
		? Omit<E, "seq" | "time" | "sessionId">
		: never
	: never;
