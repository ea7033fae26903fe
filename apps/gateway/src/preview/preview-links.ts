import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

export interface PreviewTarget {
	sessionId: string;
	organizationId: string;
	port: number;
}

/**
 * Public, unguessable, revocable links to a port of a session's sandbox
 * (`<prefix>:preview:<token>` → target; a set per session for listing and revocation).
 */
export class PreviewLinks {
	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
		private readonly ttlSeconds = 7 * 24 * 3600,
	) {}

	private key(token: string) {
		return `${this.prefix}:preview:${token}`;
	}

	private sessionKey(sessionId: string) {
		return `${this.prefix}:preview-session:${sessionId}`;
	}

	async create(target: PreviewTarget): Promise<string> {
		const token = randomBytes(24).toString("base64url");
		await this.redis
			.multi()
			.set(this.key(token), JSON.stringify(target), "EX", this.ttlSeconds)
			.sadd(this.sessionKey(target.sessionId), token)
			.expire(this.sessionKey(target.sessionId), this.ttlSeconds)
			.exec();
		return token;
	}

	async resolve(token: string): Promise<PreviewTarget | null> {
		if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return null;
		const value = await this.redis.get(this.key(token));
		return value ? (JSON.parse(value) as PreviewTarget) : null;
	}

	/** Revokes one link (when it belongs to the session) or, without a token, all of the session's links. */
	async revoke(sessionId: string, token?: string): Promise<number> {
		const tokens = token ? [token] : await this.redis.smembers(this.sessionKey(sessionId));
		let revoked = 0;
		for (const candidate of tokens) {
			const target = await this.resolve(candidate);
			if (target?.sessionId !== sessionId) continue;
			await this.redis.multi().del(this.key(candidate)).srem(this.sessionKey(sessionId), candidate).exec();
			revoked++;
		}
		return revoked;
	}
}
