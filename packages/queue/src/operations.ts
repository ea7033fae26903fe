import { DomainError, withTimeout } from "@proliferate/shared";
import { Queue } from "bullmq";
import { type JobName, jobCatalog, jobNames } from "./catalog";
import type { QueueContext } from "./queues";

export interface QueueDepth {
	name: JobName;
	description: string;
	waiting: number;
	active: number;
	delayed: number;
	failed: number;
	completed: number;
}

export interface FailedJob {
	queue: JobName;
	id: string;
	failedReason: string;
	attemptsMade: number;
	failedAt: string | null;
}

export class QueueJobNotFoundError extends DomainError {
	constructor(queue: string, jobId: string) {
		super("not_found", "QUEUE_JOB_NOT_FOUND", `No failed job ${jobId} in queue ${queue}`);
	}
}

export class QueuesUnavailableError extends DomainError {
	constructor(reason: string) {
		super("unavailable", "QUEUES_UNAVAILABLE", `The job queues are not reachable: ${reason}`);
	}
}

export class UnknownQueueError extends DomainError {
	constructor(queue: string) {
		super("invalid_input", "UNKNOWN_QUEUE", `No queue named ${JSON.stringify(queue.slice(0, 100))}`);
	}
}

/**
 * What an operator looks at: depths of every catalog queue, failed jobs, retries. One `Queue` per
 * name, opened on first use and kept (they share the caller's connection).
 */
export class QueueOperations {
	private readonly queues = new Map<JobName, Queue>();

	constructor(
		private readonly context: QueueContext,
		/** Each call gives up after this long (Redis away must not hang a page). */
		private readonly timeoutMs = 3_000,
	) {}

	private within<T>(work: Promise<T>): Promise<T> {
		return withTimeout(
			work,
			this.timeoutMs,
			() => new QueuesUnavailableError(`no answer within ${this.timeoutMs} ms`),
		);
	}

	private queue(name: string): Queue {
		if (!Object.hasOwn(jobCatalog, name)) throw new UnknownQueueError(name);
		const jobName = name as JobName;
		let queue = this.queues.get(jobName);
		if (!queue) {
			queue = new Queue(jobName, { connection: this.context.connection, prefix: this.context.prefix });
			this.queues.set(jobName, queue);
		}
		return queue;
	}

	async depths(): Promise<QueueDepth[]> {
		return this.within(
			Promise.all(
				jobNames.map(async (name) => {
					const counts = await this.queue(name).getJobCounts(
						"waiting",
						"active",
						"delayed",
						"failed",
						"completed",
					);
					return {
						name,
						description: jobCatalog[name].description,
						waiting: counts.waiting ?? 0,
						active: counts.active ?? 0,
						delayed: counts.delayed ?? 0,
						failed: counts.failed ?? 0,
						completed: counts.completed ?? 0,
					};
				}),
			),
		);
	}

	/** The most recent failed jobs of every queue, newest first. */
	async failedJobs(limit = 50): Promise<FailedJob[]> {
		const perQueue = await this.within(
			Promise.all(
				jobNames.map(async (name) => {
					const jobs = await this.queue(name).getFailed(0, limit - 1);
					return jobs.map((job) => ({
						queue: name,
						id: job.id ?? "",
						failedReason: (job.failedReason ?? "").slice(0, 2000),
						attemptsMade: job.attemptsMade,
						failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
					}));
				}),
			),
		);
		return perQueue
			.flat()
			.sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? ""))
			.slice(0, limit);
	}

	/** Puts a failed job back in its queue with a fresh attempt budget. */
	async retry(queueName: string, jobId: string): Promise<void> {
		const queue = this.queue(queueName);
		await this.within(
			(async () => {
				const job = await queue.getJob(jobId);
				if (!job || !(await job.isFailed())) throw new QueueJobNotFoundError(queueName, jobId);
				await job.retry("failed", { resetAttemptsMade: true });
			})(),
		);
	}

	async close(): Promise<void> {
		await this.within(Promise.all([...this.queues.values()].map((queue) => queue.close()))).catch(() => {});
		this.queues.clear();
	}
}
