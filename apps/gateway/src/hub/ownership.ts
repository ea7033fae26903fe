import { DomainError, sessionLeaseVersionKey, sessionOwnerLeaseKey } from "@proliferate/shared";
import type { Redis } from "ioredis";

/**
 * Takes the lease when it is free (with a new version from the session's version counter, which
 * only grows) or keeps it when this instance holds it. Answers `{1, version}` or `{0, holder}`.
 */
const acquireScript = `
local current = redis.call('GET', KEYS[1])
if not current then
  local version = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. version, 'PX', ARGV[2])
  return {1, version}
end
local prefix = ARGV[1] .. '|'
if string.sub(current, 1, string.len(prefix)) == prefix then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(string.sub(current, string.len(prefix) + 1))}
end
return {0, current}
`;
const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Lease versions are kept this long after the last acquisition (they only need to outlive leases). */
const versionTtlMs = 30 * 24 * 3600 * 1000;

export interface Owner {
	instanceId: string;
	url: string;
}

/** A lease this instance holds: the value in Redis is `instanceId|url|version`. */
export interface Lease {
	sessionId: string;
	version: number;
	/** The exact value in Redis while this instance holds this version (the fencing token). */
	value: string;
}

export type AcquireResult = { acquired: true; lease: Lease } | { acquired: false; owner: Owner };

/** Redis could not be reached: the caller cannot tell who owns the session. */
export class CoordinationUnavailableError extends DomainError {
	constructor(cause: unknown) {
		super(
			"unavailable",
			"COORDINATION_UNAVAILABLE",
			"The gateway cannot reach its coordination store (Redis) right now; retry in a moment",
		);
		this.cause = cause;
	}
}

function parseHolder(holder: string): Owner & { version: number } {
	const parts = holder.split("|");
	const version = Number(parts.pop());
	const url = parts.pop() ?? "";
	return { instanceId: parts.join("|"), url, version };
}

/**
 * Session ownership: one gateway instance acts for a session at a time, holding
 * `<prefix>:lease:owner:<sessionId>` (value `instanceId|url|version`) with a TTL it renews every
 * TTL/3. Every acquisition of a free lease takes a new version from `<prefix>:lease:version:<id>`,
 * so versions only grow: an owner that got the lease back at exactly its version + 1 knows nobody
 * held it in between, and writes fenced with the value are refused once another instance holds it.
 */
export class OwnershipLeases {
	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
		readonly self: Owner,
		readonly ttlMs = 15_000,
	) {}

	key(sessionId: string): string {
		return sessionOwnerLeaseKey(this.prefix, sessionId);
	}

	private versionKey(sessionId: string): string {
		return sessionLeaseVersionKey(this.prefix, sessionId);
	}

	private get holderPrefix(): string {
		return `${this.self.instanceId}|${this.self.url}`;
	}

	/** Takes the lease (or keeps it); returns the current owner when another instance holds it. */
	async acquire(sessionId: string): Promise<AcquireResult> {
		let answer: [number, number | string];
		try {
			answer = (await this.redis.eval(
				acquireScript,
				2,
				this.key(sessionId),
				this.versionKey(sessionId),
				this.holderPrefix,
				String(this.ttlMs),
				String(versionTtlMs),
			)) as [number, number | string];
		} catch (error) {
			throw new CoordinationUnavailableError(error);
		}
		const [taken, detail] = answer;
		if (taken === 1) {
			const version = Number(detail);
			return { acquired: true, lease: { sessionId, version, value: `${this.holderPrefix}|${version}` } };
		}
		const holder = parseHolder(String(detail));
		return { acquired: false, owner: { instanceId: holder.instanceId, url: holder.url } };
	}

	/** True while the lease still holds `lease.value`; throws `CoordinationUnavailableError` when Redis is out of reach. */
	async renew(lease: Lease): Promise<boolean> {
		try {
			const renewed = await this.redis.eval(
				renewScript,
				1,
				this.key(lease.sessionId),
				lease.value,
				String(this.ttlMs),
			);
			return Number(renewed) === 1;
		} catch (error) {
			throw new CoordinationUnavailableError(error);
		}
	}

	/** Who holds the session's lease now (null when nobody does). */
	async holder(sessionId: string): Promise<(Owner & { version: number }) | null> {
		try {
			const value = await this.redis.get(this.key(sessionId));
			return value ? parseHolder(value) : null;
		} catch (error) {
			throw new CoordinationUnavailableError(error);
		}
	}

	async release(lease: Lease): Promise<void> {
		await this.redis.eval(releaseScript, 1, this.key(lease.sessionId), lease.value);
	}
}
