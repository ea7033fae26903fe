import { z } from "zod";
import { booleanFlag, httpUrl, port } from "./helpers";

/** Per-queue concurrency: `queue=n` pairs separated by commas, e.g. `session-expiry=4,sandbox-sweep=1`. */
const concurrencyMap = z
	.string()
	.default("")
	.transform((value, context) => {
		const result: Record<string, number> = {};
		for (const part of value
			.split(",")
			.map((entry) => entry.trim())
			.filter(Boolean)) {
			const match = /^([a-z0-9-]+)=(\d{1,4})$/.exec(part);
			if (!match?.[1] || !match[2] || Number(match[2]) < 1) {
				context.addIssue({ code: "custom", message: `"${part}" is not queue=n with n ≥ 1` });
				return z.NEVER;
			}
			result[match[1]] = Number(match[2]);
		}
		return result;
	});

export const workerKeys = {
	/** Health and Prometheus metrics (`/health`, `/metrics`) of a worker process. */
	WORKER_HEALTH_PORT: port(4400),
	/** Default concurrency of every queue's worker in one process. */
	WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(2),
	/**
	 * The queues this process consumes (comma-separated catalog names; empty: every queue). Dedicated
	 * worker pools per queue scale out; the dispatcher and schedules run in every process.
	 */
	WORKER_QUEUES: z
		.string()
		.default("")
		.transform((value) =>
			value
				.split(",")
				.map((entry) => entry.trim())
				.filter(Boolean),
		),
	/** Overrides per queue (`session-expiry=4,sandbox-sweep=1`). */
	WORKER_QUEUE_CONCURRENCY: concurrencyMap,
	/** Rows one outbox dispatcher claims at a time. */
	OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
	/** How long a claim holds before another dispatcher may take the row back. */
	OUTBOX_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
	/** How often an idle dispatcher looks for due rows. */
	OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(250),
	// ── Sandbox sweeper, snapshot retention, warm-pool refill (jobs of the worker)
	/** How often the `sandbox-sweep` job runs. */
	SANDBOX_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(5).default(60),
	/** Sandboxes a provider lists that no record knows are terminated once older than this. */
	SANDBOX_SWEEP_ORPHAN_GRACE_SECONDS: z.coerce.number().int().min(60).default(900),
	/** Sweep local sandboxes too (false when this worker runs on another host than the gateway's sandboxes). */
	SANDBOX_SWEEP_LOCAL: booleanFlag(true),
	/** Snapshots no session references are deleted once older than this (`snapshot-cleanup`, hourly). */
	SNAPSHOT_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
	/** How often the `warm-pool-refill` job tops up remote providers' shared pools. */
	WARM_POOL_REFILL_INTERVAL_SECONDS: z.coerce.number().int().min(5).default(60),
	/**
	 * How often the session watch looks for active sessions no gateway serves (their gateway died)
	 * and hands them to a gateway to adopt or pause (idle past SESSION_IDLE_TIMEOUT_SECONDS, or
	 * close to their sandbox's end of life).
	 */
	WORKER_SESSION_WATCH_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
	/** A session left in `starting` this long without a gateway is adopted (its boot died with its gateway). */
	WORKER_STALLED_BOOT_SECONDS: z.coerce.number().int().min(5).default(120),
	// ── Object storage
	/** Where artifacts and run outputs live: `local` (a directory under PROLIFERATE_DATA_DIR) or `s3`. */
	OBJECT_STORE: z.enum(["local", "s3"]).default("local"),
	S3_BUCKET: z.string().min(1).optional(),
	S3_REGION: z.string().min(1).default("us-east-1"),
	/** Any S3-compatible endpoint (MinIO, R2); omit for AWS. */
	S3_ENDPOINT: httpUrl().optional(),
	/** Path-style URLs; defaults to true when S3_ENDPOINT is set. */
	S3_FORCE_PATH_STYLE: booleanFlag(false).optional(),
	/** Omit both to use the SDK's default chain (environment, instance role). */
	S3_ACCESS_KEY_ID: z.string().min(1).optional(),
	S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
	/** Every key under this prefix, so one bucket can hold several deployments. */
	S3_KEY_PREFIX: z.string().default(""),
} satisfies z.ZodRawShape;
