import type { Logger } from "@proliferate/logger";
import { llm, type ServiceContext } from "@proliferate/services";
import type { TokenUsage } from "./usage";

type KeyRecord = llm.VirtualKeyRecord;

export interface SpendMeterOptions {
	services: ServiceContext;
	logger: Logger;
	/** Write pending spend at least this often (ms). */
	flushIntervalMs: number;
	/** …and as soon as this many requests are pending. */
	flushSize: number;
	onFlushError?: (error: unknown) => void;
}

/**
 * Accumulates spend in memory, writes it to the ledger in batches, and enforces budgets from
 * in-memory totals (what the database knew at the last refresh plus what this instance has not
 * written yet), so the hot path never waits for PostgreSQL.
 */
export class SpendMeter {
	private pending = new Map<string, llm.SpendEntry>();
	private pendingRequests = 0;
	private readonly keyBase = new Map<string, number>();
	private readonly keyUnflushed = new Map<string, number>();
	private readonly organizationBase = new Map<string, number>();
	private readonly organizationUnflushed = new Map<string, number>();
	private readonly organizationBudgets = new Map<string, number | null>();
	private readonly keys = new Map<string, KeyRecord>();
	/** Keys used since the last refresh: only their totals are re-read after a flush. */
	private activeKeys = new Set<string>();
	private flushing: Promise<void> | undefined;
	private readonly timer: NodeJS.Timeout;

	constructor(private readonly options: SpendMeterOptions) {
		this.timer = setInterval(() => void this.flush().catch(() => {}), options.flushIntervalMs);
		this.timer.unref();
	}

	/** Loads the totals of a key (and its organization) the first time the proxy sees it. */
	async track(key: KeyRecord): Promise<void> {
		this.keys.set(key.id, key);
		if (this.keyBase.has(key.id) && this.organizationBudgets.has(key.organizationId)) return;
		await this.refresh([key.id], [key.organizationId]);
	}

	/** The organization's monthly budget as last read (undefined: not loaded yet, null: none). */
	organizationBudget(organizationId: string): number | null | undefined {
		return this.organizationBudgets.get(organizationId);
	}

	/** Throws the vendor-mappable budget error when the key or its organization is over budget. */
	assertWithinBudget(key: KeyRecord): void {
		this.activeKeys.add(key.id);
		llm.assertKeyWithinBudget(key, this.keySpent(key.id));
		const budget = this.organizationBudgets.get(key.organizationId);
		if (budget !== undefined && budget !== null && this.organizationSpent(key.organizationId) >= budget)
			throw new llm.OrganizationBudgetExceededError(llm.nanoToUsd(budget));
	}

	keySpent(keyId: string): number {
		return (this.keyBase.get(keyId) ?? 0) + (this.keyUnflushed.get(keyId) ?? 0);
	}

	organizationSpent(organizationId: string): number {
		return (
			(this.organizationBase.get(organizationId) ?? 0) + (this.organizationUnflushed.get(organizationId) ?? 0)
		);
	}

	record(input: {
		key: KeyRecord;
		model: string;
		deployment: string;
		usage: TokenUsage;
		costNanoUsd: number;
		/** The usage is an estimate (the upstream reported none). */
		estimated?: boolean;
		at?: Date;
	}): void {
		const at = input.at ?? new Date();
		const groupKey = `${input.key.id}\u0000${input.model}\u0000${input.deployment}`;
		const entry = this.pending.get(groupKey);
		if (entry) {
			entry.requests += 1;
			entry.inputTokens += input.usage.inputTokens;
			entry.outputTokens += input.usage.outputTokens;
			entry.cacheReadTokens += input.usage.cacheReadTokens;
			entry.cacheWriteTokens += input.usage.cacheWriteTokens;
			entry.costNanoUsd += input.costNanoUsd;
			if (input.estimated) entry.estimatedRequests += 1;
			entry.lastRequestAt = at;
		} else {
			this.pending.set(groupKey, {
				organizationId: input.key.organizationId,
				keyId: input.key.id,
				sessionId: input.key.sessionId,
				model: input.model,
				deployment: input.deployment,
				requests: 1,
				...input.usage,
				costNanoUsd: input.costNanoUsd,
				estimatedRequests: input.estimated ? 1 : 0,
				firstRequestAt: at,
				lastRequestAt: at,
			});
		}
		add(this.keyUnflushed, input.key.id, input.costNanoUsd);
		add(this.organizationUnflushed, input.key.organizationId, input.costNanoUsd);
		if (++this.pendingRequests >= this.options.flushSize) void this.flush().catch(() => {});
	}

	/** Writes everything pending (one insert), then refreshes totals of tracked keys from the ledger. */
	flush(): Promise<void> {
		this.flushing ??= this.flushOnce().finally(() => {
			this.flushing = undefined;
		});
		return this.flushing;
	}

	private async flushOnce(): Promise<void> {
		const entries = [...this.pending.values()];
		this.pending = new Map();
		this.pendingRequests = 0;
		if (entries.length > 0) {
			try {
				await llm.recordSpendBatch(this.options.services, entries);
			} catch (error) {
				// Put the entries back: nothing is lost, the next flush tries again.
				for (const entry of entries) this.restore(entry);
				this.options.logger.error({ err: error, entries: entries.length }, "writing LLM spend failed");
				this.options.onFlushError?.(error);
				throw error;
			}
			for (const entry of entries) {
				if (entry.keyId) {
					add(this.keyUnflushed, entry.keyId, -entry.costNanoUsd);
					add(this.keyBase, entry.keyId, entry.costNanoUsd);
				}
				add(this.organizationUnflushed, entry.organizationId, -entry.costNanoUsd);
				add(this.organizationBase, entry.organizationId, entry.costNanoUsd);
			}
		}
		// See what other proxy instances spent on the keys in use here.
		const active = [...this.activeKeys].flatMap((id) => {
			const key = this.keys.get(id);
			return key ? [key] : [];
		});
		this.activeKeys = new Set();
		if (active.length > 0)
			await this.refresh(
				active.map((key) => key.id),
				[...new Set(active.map((key) => key.organizationId))],
			);
	}

	private restore(entry: llm.SpendEntry): void {
		const groupKey = `${entry.keyId}\u0000${entry.model}\u0000${entry.deployment}`;
		const existing = this.pending.get(groupKey);
		if (!existing) {
			this.pending.set(groupKey, entry);
		} else {
			existing.requests += entry.requests;
			existing.inputTokens += entry.inputTokens;
			existing.outputTokens += entry.outputTokens;
			existing.cacheReadTokens += entry.cacheReadTokens;
			existing.cacheWriteTokens += entry.cacheWriteTokens;
			existing.costNanoUsd += entry.costNanoUsd;
			existing.estimatedRequests += entry.estimatedRequests;
			existing.firstRequestAt = entry.firstRequestAt;
		}
		this.pendingRequests += entry.requests;
	}

	/** Reloads totals and budgets from the database for these keys and organizations. */
	async refresh(keyIds: string[], organizationIds: string[]): Promise<void> {
		const totals = await llm.loadSpendTotals(this.options.services, { keyIds, organizationIds });
		for (const keyId of keyIds) this.keyBase.set(keyId, totals.keySpendNanoUsd.get(keyId) ?? 0);
		for (const organizationId of organizationIds) {
			this.organizationBase.set(organizationId, totals.organizationSpendNanoUsd.get(organizationId) ?? 0);
			this.organizationBudgets.set(
				organizationId,
				totals.organizationBudgetNanoUsd.get(organizationId) ?? null,
			);
		}
	}

	/** Forgets a key (revoked or evicted from the key cache). */
	forget(keyId: string): void {
		this.keys.delete(keyId);
		this.activeKeys.delete(keyId);
		if (!this.keyUnflushed.get(keyId)) this.keyBase.delete(keyId);
	}

	get pendingCount(): number {
		return this.pendingRequests;
	}

	/** Stops the timer and writes what is pending. */
	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.flush();
	}
}

function add(map: Map<string, number>, id: string, amount: number): void {
	const next = (map.get(id) ?? 0) + amount;
	if (next === 0) map.delete(id);
	else map.set(id, next);
}
