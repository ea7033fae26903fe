import { z } from "zod";

/**
 * The one queue catalog: job name → payload schema, attempts and backoff.
 * Payloads evolve only by adding optional fields (jobs already queued must still parse).
 */
export interface JobDefinition<Schema extends z.ZodType> {
	payload: Schema;
	attempts: number;
	backoff: { type: "fixed" | "exponential"; delay: number };
	/** Completed jobs kept for inspection (count). */
	keepCompleted: number;
	/** Failed jobs kept for inspection (count). */
	keepFailed: number;
	description: string;
}

const define = <Schema extends z.ZodType>(definition: JobDefinition<Schema>) => definition;

export const jobCatalog = {
	"session-expiry": define({
		description:
			"Adopt or pause a session no gateway serves shortly before its sandbox's lifetime ends (the owning gateway migrates its own).",
		payload: z.object({
			sessionId: z.uuid(),
			organizationId: z.string().min(1),
			expiresAt: z.iso.datetime(),
		}),
		attempts: 3,
		backoff: { type: "exponential", delay: 5_000 },
		keepCompleted: 100,
		keepFailed: 500,
	}),
	"session-idle-check": define({
		description:
			"Adopt or pause a session no gateway serves once it has been idle for its timeout (the owning gateway pauses its own).",
		payload: z.object({ sessionId: z.uuid(), organizationId: z.string().min(1) }),
		attempts: 3,
		backoff: { type: "exponential", delay: 5_000 },
		keepCompleted: 100,
		keepFailed: 500,
	}),
	"session-watch": define({
		description:
			"Find active sessions no gateway serves (their gateway died) and queue an idle or expiry check for each that needs one.",
		payload: z.object({}),
		attempts: 1,
		backoff: { type: "fixed", delay: 0 },
		keepCompleted: 20,
		keepFailed: 100,
	}),
	"sandbox-sweep": define({
		description: "Find sandboxes whose session is gone or which outlived their lifetime, and terminate them.",
		payload: z.object({ reason: z.string().optional() }),
		attempts: 1,
		backoff: { type: "fixed", delay: 0 },
		keepCompleted: 20,
		keepFailed: 100,
	}),
	"snapshot-cleanup": define({
		description: "Delete snapshots past their retention that no session references.",
		payload: z.object({ olderThanDays: z.number().int().positive().optional() }),
		attempts: 2,
		backoff: { type: "fixed", delay: 60_000 },
		keepCompleted: 20,
		keepFailed: 100,
	}),
	"warm-pool-refill": define({
		description:
			"Top up the shared warm pool of a remote provider (e2b, modal); local pools stay with their gateway.",
		payload: z.object({ provider: z.enum(["e2b", "modal"]).optional() }),
		attempts: 1,
		backoff: { type: "fixed", delay: 0 },
		keepCompleted: 20,
		keepFailed: 100,
	}),
	"session-objects-delete": define({
		description:
			"Delete a deleted session's objects (artifacts, screenshots, run outputs) from the object store, by its key prefix.",
		payload: z.object({ sessionId: z.uuid(), organizationId: z.string().min(1) }),
		attempts: 5,
		backoff: { type: "exponential", delay: 10_000 },
		keepCompleted: 100,
		keepFailed: 500,
	}),
	"outbox-prune": define({
		description:
			"Delete outbox rows dispatched longer ago than the retention (kept for inspection until then).",
		payload: z.object({ olderThanHours: z.number().int().positive().default(168) }),
		attempts: 2,
		backoff: { type: "fixed", delay: 60_000 },
		keepCompleted: 20,
		keepFailed: 100,
	}),
	"idempotency-prune": define({
		description: "Delete gateway idempotency keys past their 24 h (a repeat after that acts again).",
		payload: z.object({}),
		attempts: 2,
		backoff: { type: "fixed", delay: 60_000 },
		keepCompleted: 20,
		keepFailed: 100,
	}),
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<Name extends JobName> = z.infer<(typeof jobCatalog)[Name]["payload"]>;
export const jobNames = Object.keys(jobCatalog) as JobName[];
