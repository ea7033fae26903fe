import type { Logger } from "@proliferate/logger";
import { llm, type ServiceContext } from "@proliferate/services";
import type { Redis } from "ioredis";

type KeyRecord = llm.VirtualKeyRecord;

interface CacheEntry {
	record: KeyRecord | null;
	loadedAt: number;
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
	/** How long an unknown key is remembered as unknown (stops floods of bad keys reaching the database). */
	negativeTtlMs?: number;
	maxEntries?: number;
	/** Called once per newly loaded key, before the request that loaded it goes on. */
	onLoad?: (record: KeyRecord) => Promise<void>;
	onEvict?: (record: KeyRecord) => void;
	onOrganizationBudgetChanged?: (organizationId: string) => void;
}

/**
 * Virtual keys by sha256, in memory. A request with a cached key does no I/O; a miss loads the
 * key once (concurrent misses share the load). Revocations are broadcast on a Redis channel so
 * every proxy instance drops the key at once.
 */
export class KeyCache {
	private readonly entries = new Map<string, CacheEntry>();
	private readonly loading = new Map<string, Promise<KeyRecord | null>>();
	private readonly subscriber: Redis;
	private readonly ttlMs: number;
	private readonly negativeTtlMs: number;
	private readonly maxEntries: number;

	private constructor(private readonly options: KeyCacheOptions) {
		this.ttlMs = options.ttlMs ?? 5 * 60_000;
		this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
		this.maxEntries = options.maxEntries ?? 100_000;
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
		const hash = llm.hashVirtualKey(key);
		const entry = this.entries.get(hash);
		if (entry && Date.now() - entry.loadedAt < (entry.record ? this.ttlMs : this.negativeTtlMs))
			return entry.record;
		let load = this.loading.get(hash);
		if (!load) {
			load = this.load(hash, key).finally(() => this.loading.delete(hash));
			this.loading.set(hash, load);
		}
		return load;
	}

	private async load(hash: string, key: string): Promise<KeyRecord | null> {
		const record = await llm.lookupVirtualKey(this.options.services, key);
		if (record && !record.revokedAt) await this.options.onLoad?.(record);
		if (this.entries.size >= this.maxEntries) this.evictOldest();
		this.entries.set(hash, { record, loadedAt: Date.now() });
		return record;
	}

	private evictOldest(): void {
		const oldest = this.entries.keys().next();
		if (oldest.done) return;
		this.drop(oldest.value);
	}

	private drop(hash: string): void {
		const entry = this.entries.get(hash);
		this.entries.delete(hash);
		if (entry?.record) this.options.onEvict?.(entry.record);
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
		return this.entries.size;
	}

	async close(): Promise<void> {
		await this.subscriber.quit().catch(() => this.subscriber.disconnect());
	}
}
