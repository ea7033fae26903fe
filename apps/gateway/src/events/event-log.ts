import { randomUUID } from "node:crypto";
import { DomainError, type SessionEvent, type SessionEventInput } from "@proliferate/shared";
import type { Redis } from "ioredis";

/**
 * Each session's events live in a Redis stream whose entry ids are the events' `seq` (`<seq>-0`).
 * A Lua script increments the session's counter and appends in one step, so seqs are contiguous
 * and ordered no matter how many processes append. Streams are capped and expire after inactivity.
 * With a fence (the owner's lease key and value), the append only happens while that lease still
 * holds the value: an instance that lost the session cannot write into its log.
 *
 * Appends are idempotent by append id (KEYS[3]): a script that ran but whose reply was lost (Redis
 * stopped mid-reply; ioredis resends unfulfilled commands on reconnect; the publisher retries) answers
 * the seq and time it was first written with, instead of appending the event a second time.
 */
const appendScript = `
local prior = redis.call('GET', KEYS[3])
if prior then
  local bar = string.find(prior, '|', 1, true)
  return {tonumber(string.sub(prior, 1, bar - 1)), string.sub(prior, bar + 1)}
end
if KEYS[4] and redis.call('GET', KEYS[4]) ~= ARGV[4] then
  return redis.error_reply('FENCED the session is owned by another lease')
end
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'e', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], seq .. '|' .. ARGV[5], 'EX', ARGV[6])
return {seq, ARGV[5]}
`;

/** How long an append id is remembered (well past the publisher's outage limit). */
const APPEND_ID_TTL_SECONDS = 600;

export interface EventLogOptions {
	/** Entries kept per session (older ones are trimmed). */
	maxLength?: number;
	/** Seconds a session's log lives after its last event. */
	ttlSeconds?: number;
}

/** The lease an append must still hold (see `OwnershipLeases`). */
export interface AppendFence {
	leaseKey: string;
	leaseValue: string;
}

/** Redis could not be reached: events cannot be read or written right now (nothing is lost by this error). */
export class EventLogUnavailableError extends DomainError {
	constructor(cause: unknown) {
		super(
			"unavailable",
			"EVENT_LOG_UNAVAILABLE",
			"The session's event log (Redis) cannot be reached right now; retry in a moment",
		);
		this.cause = cause;
	}
}

/** The append was refused: another instance holds the session's lease now. */
export class FencedAppendError extends DomainError {
	constructor(sessionId: string) {
		super("conflict", "SESSION_OWNERSHIP_LOST", `This gateway instance no longer owns session ${sessionId}`);
	}
}

function isFenced(error: unknown): boolean {
	return error instanceof Error && error.message.startsWith("FENCED");
}

export class EventLog {
	private readonly maxLength: number;
	private readonly ttlSeconds: number;

	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
		options: EventLogOptions = {},
	) {
		this.maxLength = options.maxLength ?? 50_000;
		this.ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
	}

	private keys(sessionId: string): [string, string] {
		return [`${this.prefix}:events:${sessionId}`, `${this.prefix}:events:${sessionId}:seq`];
	}

	/**
	 * Appends one event and answers it with its seq. `appendId` names this event across retries: the
	 * same id appends once. Throws `FencedAppendError` when `fence` no longer holds and
	 * `EventLogUnavailableError` when Redis cannot be reached.
	 */
	async append(
		sessionId: string,
		input: SessionEventInput,
		fence?: AppendFence,
		appendId: string = randomUUID(),
	): Promise<SessionEvent> {
		const time = new Date().toISOString();
		const body = JSON.stringify({ ...input, time });
		const [streamKey, seqKey] = this.keys(sessionId);
		const appendKey = `${seqKey}:append:${appendId}`;
		const keys = fence ? [streamKey, seqKey, appendKey, fence.leaseKey] : [streamKey, seqKey, appendKey];
		let written: [number, string];
		try {
			written = (await this.redis.eval(
				appendScript,
				keys.length,
				...keys,
				body,
				String(this.maxLength),
				String(this.ttlSeconds),
				fence?.leaseValue ?? "",
				time,
				String(APPEND_ID_TTL_SECONDS),
			)) as [number, string];
		} catch (error) {
			if (isFenced(error)) throw new FencedAppendError(sessionId);
			throw new EventLogUnavailableError(error);
		}
		return { ...input, sessionId, seq: Number(written[0]), time: written[1] } as SessionEvent;
	}

	/** Events with seq > after, oldest first (at most `limit`). */
	async readAfter(sessionId: string, after: number, limit = 10_000): Promise<SessionEvent[]> {
		const [streamKey] = this.keys(sessionId);
		try {
			const entries = await this.redis.xrange(streamKey, `${after + 1}-0`, "+", "COUNT", limit);
			return entries.map(([id, fields]) => this.parse(sessionId, id, fields));
		} catch (error) {
			throw new EventLogUnavailableError(error);
		}
	}

	/** The last `count` events, oldest first. */
	async readLast(sessionId: string, count: number): Promise<SessionEvent[]> {
		const [streamKey] = this.keys(sessionId);
		try {
			const entries = await this.redis.xrevrange(streamKey, "+", "-", "COUNT", count);
			return entries.reverse().map(([id, fields]) => this.parse(sessionId, id, fields));
		} catch (error) {
			throw new EventLogUnavailableError(error);
		}
	}

	private parse(sessionId: string, id: string, fields: string[]): SessionEvent {
		const body = JSON.parse(fields[1] ?? "{}") as Omit<SessionEvent, "seq" | "sessionId">;
		return { ...body, sessionId, seq: Number(id.split("-")[0]) } as SessionEvent;
	}

	async lastSeq(sessionId: string): Promise<number> {
		const [, seqKey] = this.keys(sessionId);
		try {
			return Number((await this.redis.get(seqKey)) ?? 0);
		} catch (error) {
			throw new EventLogUnavailableError(error);
		}
	}
}
