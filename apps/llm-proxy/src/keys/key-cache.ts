import type { Logger } from "@proliferate/logger";
import { llm, type ServiceContext } from "@proliferate/services";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";

type KeyRecord = llm.VirtualKeyRecord;

/** What a virtual key looks like (`sk-prl-` + 43 url-safe base64 characters): anything else is junk. */
const keyFormat = /^sk-prl-[A-Za-z0-9_-]{43}$/;

export function isWellFormedKey(key: string): boolean {
	return key.length === 50 && keyFormat.test(key);
}

/** What instances tell each other over Redis pub/sub. */
export type InvalidationMessage =
	| { type: "keys"; keyHashes: string[] }
	| { type: "organization-budget"; organizationId: string };

export interface KeyCacheOptions {
	services: ServiceContext;
	logger: Logger;
	/** Publisher connection; the cache makes its own subscriber (`redis.duplicate()`). */
	redis: Redis;
	channel: string;
	/** How long a loaded key is trusted without another look (revocations arrive by pub/sub sooner). */
	ttlMs?: number;
	/** How long an unknown (well-formed) key is remembered as unknown. */
	negativeTtlMs?: number;
	/** Most known keys held (least recently used dropped first). */
	maxEntries?: number;
	/** Most unknown keys remembered; kept apart, so a flood of unknown keys never evicts a known one. */
	maxNegativeEntries?: number;
	/** Called once per newly loaded key, before the request that loaded it goes on. */
	onLoad?: (record: KeyRecord) => Promise<void>;
	onEvict?: (record: KeyRecord) => void;
	onOrganizationBudgetChanged?: (organizationId: string) => void;
}

/**
 * Virtual keys by sha256, in memory. A request with a cached key does no I/O; a miss loads the
 * key once (concurrent misses share the load). Junk that cannot be a key is refused before any
 * lookup; unknown well-formed keys are remembered in their own bounded LRU; known keys live in an LRU
 * of their own. Revocations are broadcast on a Redis channel so every proxy instance drops the key at once.
 */
export class KeyCache {
	private readonly known: LRUCache<string, KeyRecord>;
	private readonly unknown: LRUCache<string, true>;
	private readonly loading = new Map<string, Promise<KeyRecord | null>>();
	private readonly subscriber: Redis;
	/** Database lookups so far (a real counter: tests and metrics read it). */
	databaseLookups = 0;

	private constructor(private readonly options: KeyCacheOptions) {
		this.known = new LRUCache<string, KeyRecord>({
			max: options.maxEntries ?? 100_000,
			ttl: options.ttlMs ?? 5 * 60_000,
			// lru-cache caches "now" behind a timer of this period: at its 1 ms default, a timer per request.
			ttlResolution: 1000,
			dispose: (record) => options.onEvict?.(record),
		});
		this.unknown = new LRUCache<string, true>({
			max: options.maxNegativeEntries ?? 10_000,
			ttl: options.negativeTtlMs ?? 5_000,
			ttlResolution: 1000,
		});
		this.subscriber = options.redis.duplicate();
	}

	static async create(options: KeyCacheOptions): Promise<KeyCache> {
		const cache = new KeyCache(options);
		cache.subscriber.on("message", (_channel: string, message: string) => cache.onMessage(message));
		await cache.subscriber.subscribe(options.channel);
		return cache;
	}

	/** The key's record (null when no such key exists); revoked and expired keys are returned as such. */
	get(key: string): KeyRecord | null | Promise<KeyRecord | null> {
		if (!isWellFormedKey(key)) return null;
		const hash = llm.hashVirtualKey(key);
		const record = this.known.get(hash);
		if (record) return record;
		if (this.unknown.has(hash)) return null;
		let load = this.loading.get(hash);
		if (!load) {
			load = this.load(hash, key).finally(() => this.loading.delete(hash));
			this.loading.set(hash, load);
		}
		return load;
	}

	private async load(hash: string, key: string): Promise<KeyRecord | null> {
		this.databaseLookups += 1;
		const record = await llm.lookupVirtualKey(this.options.services, key);
		if (!record) {
			this.unknown.set(hash, true);
			return null;
		}
		if (!record.revokedAt) await this.options.onLoad?.(record);
		this.known.set(hash, record);
		return record;
	}

	private drop(hash: string): void {
		this.known.delete(hash);
	}

	private onMessage(raw: string): void {
		let message: InvalidationMessage;
		try {
			message = JSON.parse(raw) as InvalidationMessage;
		} catch {
			this.options.logger.warn("ignored a malformed key invalidation message");
			return;
		}
		if (message.type === "keys") for (const hash of message.keyHashes) this.drop(hash);
		else if (message.type === "organization-budget")
			this.options.onOrganizationBudgetChanged?.(message.organizationId);
	}

	/** Drops the keys here and tells every other instance to drop them too. */
	async invalidateKeys(keyHashes: string[]): Promise<void> {
		if (keyHashes.length === 0) return;
		for (const hash of keyHashes) this.drop(hash);
		await this.publish({ type: "keys", keyHashes });
	}

	async publish(message: InvalidationMessage): Promise<void> {
		await this.options.redis.publish(this.options.channel, JSON.stringify(message));
	}

	get size(): number {
		return this.known.size;
	}

	get unknownSize(): number {
		return this.unknown.size;
	}

	async close(): Promise<void> {
		await this.subscriber.quit().catch(() => this.subscriber.disconnect());
	}
}
