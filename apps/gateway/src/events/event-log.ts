import type { SessionEvent, SessionEventInput } from "@proliferate/shared";
import type { Redis } from "ioredis";

/**
 * Each session's events live in a Redis stream whose entry ids are the events' `seq` (`<seq>-0`).
 * A Lua script increments the session's counter and appends in one step, so seqs are contiguous
 * and ordered no matter how many processes append. Streams are capped and expire after inactivity.
 */
const appendScript = `
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'e', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return seq
`;

export interface EventLogOptions {
	/** Entries kept per session (older ones are trimmed). */
	maxLength?: number;
	/** Seconds a session's log lives after its last event. */
	ttlSeconds?: number;
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

	async append(sessionId: string, input: SessionEventInput): Promise<SessionEvent> {
		const time = new Date().toISOString();
		const body = JSON.stringify({ ...input, time });
		const [streamKey, seqKey] = this.keys(sessionId);
		const seq = Number(
			await this.redis.eval(
				appendScript,
				2,
				streamKey,
				seqKey,
				body,
				String(this.maxLength),
				String(this.ttlSeconds),
			),
		);
		return { ...input, sessionId, seq, time } as SessionEvent;
	}

	/** Events with seq > after, oldest first (at most `limit`). */
	async readAfter(sessionId: string, after: number, limit = 10_000): Promise<SessionEvent[]> {
		const [streamKey] = this.keys(sessionId);
		const entries = await this.redis.xrange(streamKey, `${after + 1}-0`, "+", "COUNT", limit);
		return entries.map(([id, fields]) => {
			const body = JSON.parse(fields[1] ?? "{}") as Omit<SessionEvent, "seq" | "sessionId">;
			return { ...body, sessionId, seq: Number(id.split("-")[0]) } as SessionEvent;
		});
	}

	async lastSeq(sessionId: string): Promise<number> {
		const [, seqKey] = this.keys(sessionId);
		return Number((await this.redis.get(seqKey)) ?? 0);
	}
}
