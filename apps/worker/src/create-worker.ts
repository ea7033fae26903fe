import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { sendError, sendJson } from "@proliferate/http-kit";
import type { Logger } from "@proliferate/logger";
import {
	createQueue,
	createWorker,
	type JobName,
	type JobPayload,
	jobCatalog,
	jobNames,
	type TypedQueue,
} from "@proliferate/queue";
import { outbox, pingDatabase, type ServiceContext } from "@proliferate/services";
import { NotFoundError, withTimeout } from "@proliferate/shared";
import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { Counter, Gauge, Registry } from "prom-client";
import { OutboxDispatcher } from "./outbox/dispatcher";

export type JobHandler<Name extends JobName> = (payload: JobPayload<Name>, job: Job) => Promise<unknown>;
export type JobHandlers = { [Name in JobName]?: JobHandler<Name> };

export interface WorkerAppOptions {
	services: ServiceContext;
	/** BullMQ connection (`maxRetriesPerRequest: null`). */
	redis: Redis;
	redisPrefix: string;
	logger: Logger;
	/** The jobs this process runs; queues without a handler are only fed, not consumed. */
	handlers: JobHandlers;
	concurrency: { default: number; perQueue: Record<string, number> };
	/** Job locks (see `CreateWorkerOptions`); tests shorten them to see a killed worker's job rerun. */
	jobLocks?: { lockDurationMs: number; stalledIntervalMs: number };
	outbox: { batchSize: number; leaseMs: number; pollIntervalMs: number };
	/** 0: any free port. */
	healthPort: number;
	instanceId?: string;
	/** Deployment-wide repeating jobs; every worker upserts the same schedulers, so there is one each. */
	schedules?: JobSchedule[];
}

export interface JobSchedule {
	name: JobName;
	everyMs: number;
	payload: unknown;
}

export interface WorkerApp {
	readonly instanceId: string;
	readonly dispatcher: OutboxDispatcher;
	readonly queues: Map<JobName, TypedQueue<JobName>>;
	start(): Promise<{ healthPort: number }>;
	/** Stop taking work, let running jobs finish (or release them after `graceMs`), then close. */
	stop(graceMs?: number): Promise<void>;
}

/** The worker's parts, wired: queues, the outbox dispatcher, job workers, health and metrics. */
export function createWorkerApp(options: WorkerAppOptions): WorkerApp {
	const { logger } = options;
	const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
	const context = { connection: options.redis, prefix: options.redisPrefix };
	const queues = new Map<JobName, TypedQueue<JobName>>(
		jobNames.map((name) => [name, createQueue(name, context)]),
	);
	const metrics = createMetrics(options, queues);
	const dispatcher = new OutboxDispatcher({
		services: options.services,
		claimedBy: instanceId,
		...options.outbox,
		logger: logger.child({ module: "outbox" }),
		target: async (handOvers) => {
			const byQueue = new Map<JobName, typeof handOvers>();
			for (const handOver of handOvers)
				byQueue.set(handOver.kind, [...(byQueue.get(handOver.kind) ?? []), handOver]);
			await Promise.all(
				[...byQueue].map(([kind, items]) => {
					const queue = queues.get(kind);
					if (!queue) throw new Error(`no queue for ${kind}`);
					return queue.enqueueBulk(
						items.map((item) => ({ payload: item.payload as never, jobId: item.jobId })),
					);
				}),
			);
		},
		onDispatched: (kind) => metrics.dispatched.inc({ kind }),
	});
	const workers: Worker[] = [];
	let server: Server | null = null;
	let redisUp = true;

	options.redis.on("error", (error) => {
		if (!redisUp) return;
		redisUp = false;
		logger.error({ err: error }, "worker cannot reach Redis; BullMQ keeps retrying");
	});
	options.redis.on("ready", () => {
		if (redisUp) return;
		redisUp = true;
		logger.info("worker reaches Redis again");
	});

	async function health(): Promise<{ ok: boolean; database: boolean; redis: boolean }> {
		// A store that is down makes its client wait (queued commands, connect timeouts): cap each probe.
		const [database, redis] = await Promise.all([
			withinMs(pingDatabase(options.services.db), 2_000),
			withinMs(options.redis.ping(), 2_000),
		]);
		return { ok: database && redis, database, redis };
	}

	return {
		instanceId,
		dispatcher,
		queues,
		async start() {
			for (const name of jobNames) {
				const handler = options.handlers[name] as JobHandler<JobName> | undefined;
				if (!handler) continue;
				workers.push(
					createWorker(name, handler, {
						...context,
						concurrency: options.concurrency.perQueue[name] ?? options.concurrency.default,
						logger,
						...(options.jobLocks ?? {}),
					}),
				);
			}
			for (const schedule of options.schedules ?? []) {
				const queue = queues.get(schedule.name);
				const payload = jobCatalog[schedule.name].payload.parse(schedule.payload);
				await queue?.queue.upsertJobScheduler(
					`schedule:${schedule.name}`,
					{ every: schedule.everyMs },
					{ name: schedule.name, data: payload },
				);
			}
			dispatcher.start();
			server = createServer((request, response) => {
				const path = (request.url ?? "/").split("?")[0];
				if (request.method === "GET" && path === "/health") {
					void health().then(({ ok, database, redis }) =>
						sendJson(response, ok ? 200 : 503, {
							status: ok ? "ok" : "degraded",
							database,
							redis,
							instanceId,
						}),
					);
					return;
				}
				if (request.method === "GET" && path === "/metrics") {
					void metrics.registry
						.metrics()
						.then((text) => {
							response.writeHead(200, { "content-type": metrics.registry.contentType });
							response.end(text);
						})
						.catch((error: unknown) => {
							logger.warn({ err: error }, "metrics collection failed");
							response.writeHead(503, { "content-type": "text/plain" });
							response.end("metrics unavailable\n");
						});
					return;
				}
				sendError(response, new NotFoundError("Route", path ?? "/"), { logger });
			});
			await new Promise<void>((resolve, reject) => {
				server?.once("error", reject);
				server?.listen(options.healthPort, "0.0.0.0", () => resolve());
			});
			const healthPort = (server.address() as AddressInfo).port;
			logger.info({ instanceId, healthPort, queues: workers.map((worker) => worker.name) }, "worker started");
			return { healthPort };
		},
		async stop(graceMs = 30_000) {
			await dispatcher.stop();
			// Running jobs get `graceMs` to finish; then they are released (BullMQ moves stalled jobs back).
			const closing = Promise.all(workers.map((worker) => worker.close()));
			const timedOut = await Promise.race([
				closing.then(() => false),
				new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
			]);
			if (timedOut) {
				logger.warn({ graceMs }, "jobs still running at shutdown; released for another worker");
				await Promise.all(workers.map((worker) => worker.close(true)));
			}
			await Promise.all([...queues.values()].map((queue) => queue.close()));
			await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
		},
	};
}

function createMetrics(options: WorkerAppOptions, queues: Map<JobName, TypedQueue<JobName>>) {
	const registry = new Registry();
	const dispatched = new Counter({
		name: "proliferate_outbox_dispatched_total",
		help: "Outbox rows handed to their queue by this process",
		labelNames: ["kind"],
		registers: [registry],
	});
	new Gauge({
		name: "proliferate_queue_jobs",
		help: "Jobs per queue and state",
		labelNames: ["queue", "state"],
		registers: [registry],
		async collect() {
			for (const [name, typed] of queues) {
				const counts = await typed.queue.getJobCounts("waiting", "active", "delayed", "failed");
				for (const [state, value] of Object.entries(counts)) this.set({ queue: name, state }, value);
			}
		},
	});
	// One stats query per scrape sets both gauges; the one with `collect` is registered first.
	const oldest = new Gauge({
		name: "proliferate_outbox_oldest_pending_seconds",
		help: "Age of the oldest pending outbox row",
		registers: [],
	});
	new Gauge({
		name: "proliferate_outbox_rows",
		help: "Outbox rows per status",
		labelNames: ["status"],
		registers: [registry],
		async collect() {
			const stats = await outbox.stats(options.services);
			oldest.set(stats.oldestPendingAgeSeconds);
			for (const status of ["pending", "processing", "dispatched", "failed"] as const)
				this.set({ status }, stats[status]);
		},
	});
	registry.registerMetric(oldest);
	return { registry, dispatched };
}

/** True when `work` succeeds within `ms`. */
function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
	return withTimeout(work, ms, () => new Error(`no answer within ${ms} ms`)).then(
		() => true,
		() => false,
	);
}
