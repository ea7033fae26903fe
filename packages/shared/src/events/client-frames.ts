import { z } from "zod";
import { sessionEventSchema } from "./session-events";

/**
 * The WebSocket wire protocol between clients and the gateway.
 *
 * Connect: `GET /sessions/:sessionId/stream?token=<jwt>&after=<lastSeq>` (upgrade).
 * The gateway replays every event with seq > after, then streams live ones.
 */

/**
 * Largest client frame the gateway accepts (bytes). It is the WebSocket layer's own limit: a bigger
 * frame (even one only announced in a header) gets a `FRAME_TOO_LARGE` error frame and close 1009.
 */
export const MAX_CLIENT_FRAME_BYTES = 256 * 1024;

/** Longest `requestId` a client may send; longer ones are refused (and never echoed back). */
export const MAX_REQUEST_ID_LENGTH = 128;

const requestId = z.string().min(1).max(MAX_REQUEST_ID_LENGTH).optional();

export const clientCommandSchema = z.discriminatedUnion("type", [
	z.object({ type: z.literal("ping"), requestId }),
	z.object({
		type: z.literal("prompt"),
		requestId,
		content: z.string().min(1).max(100_000),
		/** data: URIs of attached images. */
		images: z.array(z.string().startsWith("data:image/")).max(8).optional(),
	}),
	z.object({ type: z.literal("cancel"), requestId }),
	z.object({ type: z.literal("git.status"), requestId }),
	z.object({ type: z.literal("git.diff"), requestId, path: z.string().max(1000).optional() }),
	z.object({
		type: z.literal("git.create_branch"),
		requestId,
		branchName: z
			.string()
			.min(1)
			.max(200)
			.regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "not a valid branch name"),
	}),
	z.object({
		type: z.literal("git.commit"),
		requestId,
		message: z.string().min(1).max(10_000),
		includeUntracked: z.boolean().optional(),
		files: z.array(z.string().max(1000)).max(1000).optional(),
	}),
	z.object({ type: z.literal("git.push"), requestId }),
	z.object({
		type: z.literal("git.create_pr"),
		requestId,
		title: z.string().min(1).max(300),
		body: z.string().max(60_000).optional(),
		baseBranch: z.string().max(200).optional(),
	}),
	z.object({ type: z.literal("run_command"), requestId, command: z.string().min(1).max(10_000) }),
	z.object({
		type: z.literal("action.decide"),
		requestId,
		invocationId: z.string().min(1),
		decision: z.enum(["approve", "deny"]),
	}),
	z.object({
		type: z.literal("env.submit"),
		requestId,
		requestIdOfAgent: z.string().min(1),
		values: z.record(z.string().min(1).max(200), z.string().max(100_000)),
	}),
]);
export type ClientCommand = z.infer<typeof clientCommandSchema>;
export type ClientCommandType = ClientCommand["type"];

export const serverFrameSchema = z.discriminatedUnion("kind", [
	/** First frame after connect: where the replay starts and ends. */
	z.object({
		kind: z.literal("ready"),
		sessionId: z.string(),
		replayFrom: z.number().int(),
		lastSeq: z.number().int(),
	}),
	z.object({ kind: z.literal("event"), event: sessionEventSchema }),
	z.object({ kind: z.literal("ack"), requestId: z.string(), result: z.unknown().optional() }),
	z.object({
		kind: z.literal("error"),
		code: z.string(),
		message: z.string(),
		requestId: z.string().optional(),
	}),
	z.object({ kind: z.literal("pong"), requestId: z.string().optional() }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/** WebSocket close codes the gateway uses (4000–4999 are application-defined). */
export const closeCodes = {
	unauthorized: 4401,
	forbidden: 4403,
	notFound: 4404,
	/** The session is owned by another instance; reconnect (the load balancer or redirect finds the owner). */
	wrongInstance: 4409,
	/** The client could not keep up; reconnect with the last seq. */
	slowConsumer: 4408,
	/** The gateway is shutting down; reconnect. */
	goingAway: 1001,
	/** The client broke the WebSocket protocol (unmasked frame, reserved opcode…). */
	protocolError: 1002,
	/** A text frame that is not valid UTF-8. */
	invalidPayload: 1007,
	/** The client kept sending over its rate limit, or too much before authentication finished. */
	policyViolation: 1008,
	/** A frame larger than `MAX_CLIENT_FRAME_BYTES`. */
	messageTooBig: 1009,
	/** The gateway failed (or the upstream it relays to did). */
	internalError: 1011,
} as const;
