import type { Logger } from "@proliferate/logger";
import { llm } from "@proliferate/services";
import type { Redis } from "ioredis";
import { newRequestId } from "../http/vendor-errors";

/**
 * Budget counters shared by every proxy instance, in Redis: per budgeted key (lifetime) and per
 * budgeted organization (calendar month), a hash with the settled `spent`, the `reserved` amount of
 * requests in flight, and one `r:<id>` field per reservation (a sorted set holds their expiry).
 * A counter is created from the ledger (plus this instance's unwritten spend) the first time it is used.
 */
const reserveScript = `
local now = tonumber(ARGV[1])
local member = ARGV[3]
local amount = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
for index, key in ipairs(KEYS) do
  local budget = tonumber(ARGV[4 + index * 2])
  local zkey = key .. ':expiry'
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'spent', ARGV[5 + index * 2], 'reserved', 0)
  end
  local expired = redis.call('ZRANGEBYSCORE', zkey, '-inf', now)
  for _, old in ipairs(expired) do
    local held = redis.call('HGET', key, 'r:' .. old)
    if held then
      redis.call('HINCRBY', key, 'reserved', -tonumber(held))
      redis.call('HDEL', key, 'r:' .. old)
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now) end
  local spent = tonumber(redis.call('HGET', key, 'spent'))
  local reserved = tonumber(redis.call('HGET', key, 'reserved'))
  if spent + reserved >= budget then return index end
end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'reserved', amount)
  redis.call('HSET', key, 'r:' .. member, amount)
  redis.call('ZADD', key .. ':expiry', ARGV[2], member)
  redis.call('EXPIRE', key, ttl)
  redis.call('EXPIRE', key .. ':expiry', ttl)
end
return 0
`;

const settleScript = `
for _, key in ipairs(KEYS) do
  local held = redis.call('HGET', key, 'r:' .. ARGV[1])
  if held then
    redis.call('HINCRBY', key, 'reserved', -tonumber(held))
    redis.call('HDEL', key, 'r:' .. ARGV[1])
    redis.call('ZREM', key .. ':expiry', ARGV[1])
  end
  if redis.call('EXISTS', key) == 1 and tonumber(ARGV[2]) > 0 then
    redis.call('HINCRBY', key, 'spent', ARGV[2])
  end
end
return 0
`;

interface BudgetCommands {
	llmProxyReserve(keyCount: number, ...args: (string | number)[]): Promise<number>;
	llmProxySettle(keyCount: number, ...args: (string | number)[]): Promise<number>;
}

export interface Reservation {
	id: string;
	counters: string[];
}

export interface ReserveParams {
	key: llm.VirtualKeyRecord;
	/** The key's spend as this instance knows it (initializes the shared counter). */
	keySpentNanoUsd: number;
	organizationBudgetNanoUsd: number | null | undefined;
	organizationSpentNanoUsd: number;
	/** The amount to reserve (computed only for budgeted keys and organizations). */
	amountNanoUsd: () => number;
}

export interface BudgetReservationsOptions {
	redis: Redis;
	prefix: string;
	logger: Logger;
	/** A reservation not settled by then (its instance died) stops counting. */
	reservationTtlMs?: number;
	/** Longest wait for Redis before the request goes on with the in-memory check only. */
	timeoutMs?: number;
}

/**
 * Reserves a request's estimated cost at admission and settles it with the real cost afterwards,
 * atomically across instances (one Lua script per step). A request is admitted while settled
 * spend + reservations of requests in flight are below the budget.
 */
export class BudgetReservations {
	private readonly redis: Redis & BudgetCommands;
	private readonly reservationTtlMs: number;
	private readonly timeoutMs: number;

	constructor(private readonly options: BudgetReservationsOptions) {
		options.redis.defineCommand("llmProxyReserve", { lua: reserveScript });
		options.redis.defineCommand("llmProxySettle", { lua: settleScript });
		this.redis = options.redis as Redis & BudgetCommands;
		this.reservationTtlMs = options.reservationTtlMs ?? 15 * 60_000;
		this.timeoutMs = options.timeoutMs ?? 1000;
	}

	private keyCounter(keyId: string): string {
		return `${this.options.prefix}:llm-proxy:budget:key:${keyId}`;
	}

	private organizationCounter(organizationId: string, now: Date): string {
		const month = llm.currentBudgetPeriodStart(now).toISOString().slice(0, 7);
		return `${this.options.prefix}:llm-proxy:budget:org:${organizationId}:${month}`;
	}

	/**
	 * Reserves the amount against the key's and the organization's budgets (only those that exist:
	 * no budget, no Redis call and no promise: undefined at once). Throws the budget error when either
	 * is used up. When Redis does not answer, logs and resolves undefined (the in-memory check already ran).
	 */
	reserve(params: ReserveParams): Promise<Reservation | undefined> | undefined {
		const budgeted =
			params.key.budgetNanoUsd !== null ||
			(params.organizationBudgetNanoUsd !== null && params.organizationBudgetNanoUsd !== undefined);
		return budgeted ? this.reserveBudgeted(params) : undefined;
	}

	private async reserveBudgeted(params: ReserveParams): Promise<Reservation | undefined> {
		const counters: string[] = [];
		const limits: (string | number)[] = [];
		const now = new Date();
		if (params.key.budgetNanoUsd !== null) {
			counters.push(this.keyCounter(params.key.id));
			limits.push(params.key.budgetNanoUsd, params.keySpentNanoUsd);
		}
		const organizationBudget = params.organizationBudgetNanoUsd;
		if (organizationBudget !== null && organizationBudget !== undefined) {
			counters.push(this.organizationCounter(params.key.organizationId, now));
			limits.push(organizationBudget, params.organizationSpentNanoUsd);
		}
		if (counters.length === 0) return undefined;
		const id = newRequestId();
		let refused: number;
		try {
			refused = await this.withTimeout(
				this.redis.llmProxyReserve(
					counters.length,
					...counters,
					now.getTime(),
					now.getTime() + this.reservationTtlMs,
					id,
					Math.max(0, Math.ceil(params.amountNanoUsd())),
					Math.ceil((this.reservationTtlMs * 4) / 1000) + 86_400,
					...limits,
				),
			);
		} catch (error) {
			this.options.logger.warn({ err: error, keyId: params.key.id }, "budget reservation failed");
			return undefined;
		}
		if (refused > 0) {
			const refusedCounter = counters[refused - 1];
			if (refusedCounter === this.keyCounter(params.key.id))
				throw new llm.KeyBudgetExceededError(llm.nanoToUsd(params.key.budgetNanoUsd ?? 0));
			throw new llm.OrganizationBudgetExceededError(llm.nanoToUsd(organizationBudget ?? 0));
		}
		return { id, counters };
	}

	/** Releases the reservation and adds the real cost to the shared counters. */
	async settle(reservation: Reservation, costNanoUsd: number): Promise<void> {
		try {
			await this.withTimeout(
				this.redis.llmProxySettle(
					reservation.counters.length,
					...reservation.counters,
					reservation.id,
					Math.max(0, Math.round(costNanoUsd)),
				),
			);
		} catch (error) {
			// The reservation expires on its own; the ledger still gets the spend.
			this.options.logger.warn({ err: error }, "settling a budget reservation failed");
		}
	}

	private withTimeout<T>(promise: Promise<T>): Promise<T> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error("Redis did not answer in time")), this.timeoutMs);
		});
		return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
	}
}
