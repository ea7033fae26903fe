import type { Logger } from "@proliferate/logger";
import { type Job, type JobsOptions, Queue, Worker } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { type JobName, type JobPayload, jobCatalog } from "./catalog";

export class InvalidJobPayloadError extends Error {
	constructor(jobName: string, issues: string) {
		super(`Invalid payload for job ${jobName}: ${issues}`);
		this.name = "InvalidJobPayloadError";
	}
}

/** Shared connection settings. BullMQ requires `maxRetriesPerRequest: null` on worker connections. */
export function createRedisConnection(url: string, options: RedisOptions = {}): Redis {
	return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

export interface QueueContext {
	connection: Redis;
	/** Key prefix for every queue (the deployment's REDIS_KEY_PREFIX, or a per-test prefix). */
	prefix: string;
}

function parsePayload<Name extends JobName>(name: Name, payload: unknown): JobPayload<Name> {
	const result = jobCatalog[name].payload.safeParse(payload);
	if (!result.success) {
		throw new InvalidJobPayloadError(
			name,
			result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; "),
		);
	}
	return result.data as JobPayload<Name>;
}

/** A typed queue for one catalog job: `enqueue` validates the payload before it reaches Redis. */
export interface TypedQueue<Name extends JobName> {
	name: Name;
	queue: Queue;
	enqueue(
		payload: JobPayload<Name>,
		options?: Pick<JobsOptions, "delay" | "jobId" | "priority">,
	): Promise<Job>;
	/** Many jobs in one round trip (`addBulk`); a job whose id exists already is not added again. */
	enqueueBulk(jobs: { payload: JobPayload<Name>; jobId?: string }[]): Promise<Job[]>;
	close(): Promise<void>;
}

export function createQueue<Name extends JobName>(name: Name, context: QueueContext): TypedQueue<Name> {
	const definition = jobCatalog[name];
	const queue = new Queue(name, {
		connection: context.connection,
		prefix: context.prefix,
		defaultJobOptions: {
			attempts: definition.attempts,
			backoff: definition.backoff,
			removeOnComplete: { count: definition.keepCompleted },
			removeOnFail: { count: definition.keepFailed },
		},
	});
	return {
		name,
		queue,
		async enqueue(payload, options) {
			const parsed = parsePayload(name, payload);
			return queue.add(name, parsed, options);
		},
		async enqueueBulk(jobs) {
			const parsed = jobs.map((job) => ({
				name,
				data: parsePayload(name, job.payload),
				...(job.jobId ? { opts: { jobId: job.jobId } } : {}),
			}));
			return queue.addBulk(parsed);
		},
		close: () => queue.close(),
	};
}

export interface CreateWorkerOptions extends QueueContext {
	concurrency?: number;
	/**
	 * How long a running job stays locked to its worker without renewal (BullMQ renews it while the
	 * worker lives); a worker that dies leaves it stalled, and after `stalledIntervalMs` another
	 * worker runs it again. Defaults: BullMQ's 30 s each.
	 */
	lockDurationMs?: number;
	stalledIntervalMs?: number;
	logger?: Logger;
}

/**
 * A worker for one catalog job. The handler receives a validated payload; a payload that no
 * longer parses fails the job without retries (retrying cannot fix it).
 */
export function createWorker<Name extends JobName>(
	name: Name,
	handler: (payload: JobPayload<Name>, job: Job) => Promise<unknown>,
	options: CreateWorkerOptions,
): Worker {
	const worker = new Worker(
		name,
		async (job) => {
			let payload: JobPayload<Name>;
			try {
				payload = parsePayload(name, job.data);
			} catch (error) {
				await job.discard();
				throw error;
			}
			return handler(payload, job);
		},
		{
			connection: options.connection,
			prefix: options.prefix,
			concurrency: options.concurrency ?? 1,
			...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
			...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
		},
	);
	worker.on("failed", (job, error) => {
		options.logger?.error(
			{ err: error, jobId: job?.id, jobName: name, attempt: job?.attemptsMade },
			"job failed",
		);
	});
	return worker;
}
