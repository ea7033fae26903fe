import type { Logger } from "@proliferate/logger";
import type { JobName } from "@proliferate/queue/catalog";
import { outbox, type ServiceContext } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";

/** One row's hand-over: its queue (the job name), payload, and the row id as the job id. */
export interface OutboxHandOver {
	kind: JobName;
	payload: unknown;
	jobId: string;
}

/** Where claimed rows go (BullMQ `addBulk` per queue); all of a call succeed or it throws. */
export type OutboxTarget = (handOvers: OutboxHandOver[]) => Promise<void>;

export interface OutboxDispatcherOptions {
	services: ServiceContext;
	target: OutboxTarget;
	/** Names this dispatcher in claims (process and instance). */
	claimedBy: string;
	batchSize: number;
	leaseMs: number;
	pollIntervalMs: number;
	logger: Logger;
	backoff?: outbox.BackoffPolicy;
	/** Called once per dispatched row (metrics). */
	onDispatched?: (kind: string) => void;
}

export interface DispatchRound {
	claimed: number;
	dispatched: number;
	retrying: number;
	failed: number;
	lost: number;
	recovered: number;
}

/**
 * Moves outbox rows to their queues: recover expired claims, claim a batch (`SKIP LOCKED`), hand
 * each row over, mark it. Delivery is at least once — a dispatcher killed after the hand-over and
 * before the mark leaves the row to be handed over again after its lease — and BullMQ refuses a
 * second job with the same id, so a queue gets each row once while the job is kept.
 */
export class OutboxDispatcher {
	private stopping = false;
	private loop: Promise<void> | null = null;
	private wake: (() => void) | null = null;
	private databaseDown = false;

	constructor(private readonly options: OutboxDispatcherOptions) {}

	/** One round; exported for tests and for the bench. */
	async runOnce(): Promise<DispatchRound> {
		const { services, logger } = this.options;
		const round: DispatchRound = { claimed: 0, dispatched: 0, retrying: 0, failed: 0, lost: 0, recovered: 0 };
		round.recovered = await outbox.recoverExpiredClaims(services);
		if (round.recovered > 0)
			logger.warn({ rows: round.recovered }, "outbox claims past their lease taken back");
		const rows = await outbox.claim(services, {
			claimedBy: this.options.claimedBy,
			limit: this.options.batchSize,
			leaseMs: this.options.leaseMs,
		});
		round.claimed = rows.length;
		const valid: { row: outbox.ClaimedOutboxRow; payload: unknown }[] = [];
		for (const row of rows) {
			try {
				valid.push({ row, payload: outbox.parseOutboxPayload(row.kind, row.payload) });
			} catch (error) {
				// A payload that no longer matches its schema, or a kind nobody knows: retrying cannot fix it.
				const message = error instanceof Error ? error.message : String(error);
				logger.error({ outboxId: row.id, kind: row.kind, err: error }, "outbox row failed for good");
				round[(await outbox.markFailed(services, row, message)) ? "failed" : "lost"] += 1;
			}
		}
		if (valid.length === 0) return round;
		try {
			await this.options.target(
				valid.map(({ row, payload }) => ({ kind: row.kind as JobName, payload, jobId: row.id })),
			);
		} catch (error) {
			const message = error instanceof DomainError || error instanceof Error ? error.message : String(error);
			logger.warn({ rows: valid.length, err: error }, "outbox hand-over failed; rows retry with backoff");
			for (const { row } of valid)
				round[await outbox.markRetry(services, row, message, this.options.backoff)] += 1;
			return round;
		}
		const marked = await outbox.markManyDispatched(
			services,
			valid.map(({ row }) => row),
		);
		for (const { row } of valid) {
			if (marked.has(row.id)) {
				round.dispatched += 1;
				this.options.onDispatched?.(row.kind);
			} else {
				round.lost += 1;
				logger.warn(
					{ outboxId: row.id, kind: row.kind },
					"outbox claim lost before it was marked (handed over anyway)",
				);
			}
		}
		return round;
	}

	/** Runs rounds until `stop()`: back to back while batches are full, else every poll interval. */
	start(): void {
		if (this.loop) return;
		this.loop = (async () => {
			let failures = 0;
			while (!this.stopping) {
				let full = false;
				try {
					const round = await this.runOnce();
					full = round.claimed >= this.options.batchSize;
					if (this.databaseDown) {
						this.databaseDown = false;
						this.options.logger.info("outbox dispatcher reaches the database again");
					}
					failures = 0;
				} catch (error) {
					failures += 1;
					if (!this.databaseDown) {
						this.databaseDown = true;
						this.options.logger.error(
							{ err: error },
							"outbox dispatcher cannot reach the database; retrying",
						);
					}
				}
				if (this.stopping) break;
				if (!full) {
					const delay =
						failures > 0
							? Math.min(30_000, this.options.pollIntervalMs * 2 ** Math.min(failures, 7))
							: this.options.pollIntervalMs;
					await this.sleep(delay);
				}
			}
		})();
	}

	/** Ends the loop after the round in progress (its rows are marked first). */
	async stop(): Promise<void> {
		this.stopping = true;
		this.wake?.();
		await this.loop;
		this.loop = null;
	}

	/** Skips the rest of the current poll wait (a producer in this process just wrote a row). */
	poke(): void {
		this.wake?.();
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			const self = this;
			function done() {
				clearTimeout(timer);
				self.wake = null;
				resolve();
			}
			this.wake = done;
		});
	}
}
