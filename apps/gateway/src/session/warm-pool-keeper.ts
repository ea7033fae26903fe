import { warmSandboxSettings } from "@proliferate/agent-runtime";
import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import { type ServiceContext, warmPool } from "@proliferate/services";
import type { SandboxProviderType } from "@proliferate/shared";

export interface WarmPoolSettings {
	/** Ready sandboxes kept for the deployment's default provider (0 disables the pool). */
	size: number;
	/** Lifetime of each warm sandbox, counted from its creation. */
	lifetimeSeconds: number;
	/** This host's name: local sandboxes live on one host, so each host keeps its own local pool. */
	host: string;
	/** How often the pool is topped up besides after each claim (default 60 s). */
	intervalMs?: number;
}

/**
 * Keeps the warm pool of the deployment's default provider full and hands its sandboxes to new
 * sessions. Refills run in this process (one at a time per provider, coalescing requests) and are
 * safe across gateway instances: slots are reserved under a per-pool advisory lock, and a claim
 * takes a row with `FOR UPDATE SKIP LOCKED`, so nothing is created or handed out twice.
 */
export class WarmPoolKeeper {
	private timer: NodeJS.Timeout | undefined;
	private readonly running = new Map<SandboxProviderType, Promise<void>>();
	private readonly again = new Set<SandboxProviderType>();
	private stopped = false;

	constructor(
		private readonly deps: {
			services: ServiceContext;
			providers: SandboxProviderRegistry;
			settings: WarmPoolSettings;
			logger: Logger;
		},
	) {}

	get enabled(): boolean {
		return this.deps.settings.size > 0;
	}

	/** Remote pools are shared by every instance; a local pool belongs to this host. */
	poolKey(type: SandboxProviderType): string {
		const key = warmPool.warmPoolKey(type);
		return type === "local" ? `${key}@${this.deps.settings.host}` : key;
	}

	/** A claimed sandbox leaves the pool with at least this much lifetime (at most 10 minutes). */
	private get minRemainingSeconds(): number {
		return warmSandboxSettings(this.deps.settings.lifetimeSeconds).minRemainingSeconds;
	}

	/**
	 * Starts keeping the pool: local sandboxes left by a previous process of this host are dropped
	 * first (they died with it), then the pool is filled now and every `intervalMs`.
	 */
	async start(): Promise<void> {
		if (!this.enabled) return;
		const type = this.deps.providers.defaultType;
		if (type === "local") await this.drain("local");
		this.refill(type);
		this.timer = setInterval(() => this.refill(type), this.deps.settings.intervalMs ?? 60_000);
		this.timer.unref();
	}

	/** Takes a ready sandbox of `type` for the session, or null (pool empty, disabled, other provider). */
	async claim(
		type: SandboxProviderType,
		scope: { organizationId: string; sessionId: string },
	): Promise<warmPool.ClaimedWarmSandbox | null> {
		if (!this.enabled || this.stopped || type !== this.deps.providers.defaultType) return null;
		const claimed = await warmPool.claimWarmSandbox(this.deps.services, {
			poolKey: this.poolKey(type),
			...scope,
			minRemainingSeconds: this.minRemainingSeconds,
		});
		this.refill(type);
		return claimed;
	}

	/** Tops the pool up in the background; a request during a refill runs one more afterwards. */
	refill(type: SandboxProviderType): void {
		if (!this.enabled || this.stopped) return;
		if (this.running.has(type)) {
			this.again.add(type);
			return;
		}
		const run = this.refillOnce(type).finally(() => {
			this.running.delete(type);
			if (this.again.delete(type)) this.refill(type);
		});
		this.running.set(type, run);
	}

	/** Waits for the refills in flight (tests and shutdown). */
	async idle(): Promise<void> {
		while (this.running.size > 0) await Promise.all(this.running.values());
	}

	private async refillOnce(type: SandboxProviderType): Promise<void> {
		try {
			const result = await warmPool.refillWarmPool(
				this.deps.services,
				this.deps.providers.get(type),
				{
					poolKey: this.poolKey(type),
					size: this.deps.settings.size,
					...warmSandboxSettings(this.deps.settings.lifetimeSeconds),
				},
				this.deps.logger,
			);
			if (result.created + result.failed + result.retired > 0)
				this.deps.logger.info({ ...result }, "warm pool refilled");
		} catch (error) {
			this.deps.logger.error({ err: error, provider: type }, "warm pool refill failed");
		}
	}

	private async drain(type: SandboxProviderType): Promise<void> {
		const drained = await warmPool.drainWarmPool(
			this.deps.services,
			this.deps.providers.get(type),
			this.poolKey(type),
		);
		if (drained > 0) this.deps.logger.info({ provider: type, drained }, "warm pool drained");
	}

	/**
	 * Stops refilling. The local pool is drained (its sandboxes would die with this process);
	 * remote pools stay for the other instances and the next start.
	 */
	async stop(options: { drain?: boolean } = {}): Promise<void> {
		this.stopped = true;
		clearInterval(this.timer);
		await this.idle();
		if (options.drain !== false && this.enabled && this.deps.providers.defaultType === "local")
			await this.drain("local");
	}
}
