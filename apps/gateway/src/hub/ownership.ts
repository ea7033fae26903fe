import type { Redis } from "ioredis";

const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface Owner {
	instanceId: string;
	url: string;
}

/**
 * Session ownership: one gateway instance acts for a session at a time, holding
 * `<prefix>:lease:owner:<sessionId>` (value `instanceId|url`) with a TTL it renews every TTL/3.
 */
export class OwnershipLeases {
	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
		readonly self: Owner,
		readonly ttlMs = 15_000,
	) {}

	private key(sessionId: string): string {
		return `${this.prefix}:lease:owner:${sessionId}`;
	}

	private get value(): string {
		return `${this.self.instanceId}|${this.self.url}`;
	}

	/** Takes the lease (or keeps it); returns the current owner when another instance holds it. */
	async acquire(sessionId: string): Promise<{ acquired: true } | { acquired: false; owner: Owner }> {
		const taken = await this.redis.set(this.key(sessionId), this.value, "PX", this.ttlMs, "NX");
		if (taken === "OK") return { acquired: true };
		if (await this.renew(sessionId)) return { acquired: true };
		const holder = await this.redis.get(this.key(sessionId));
		if (!holder) return this.acquire(sessionId);
		const [instanceId = "", url = ""] = holder.split("|");
		return { acquired: false, owner: { instanceId, url } };
	}

	async renew(sessionId: string): Promise<boolean> {
		return (
			Number(await this.redis.eval(renewScript, 1, this.key(sessionId), this.value, String(this.ttlMs))) === 1
		);
	}

	async release(sessionId: string): Promise<void> {
		await this.redis.eval(releaseScript, 1, this.key(sessionId), this.value);
	}
}
