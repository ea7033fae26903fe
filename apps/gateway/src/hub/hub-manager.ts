import type { Logger } from "@proliferate/logger";
import { closeCodes, DomainError, type SessionEventInput } from "@proliferate/shared";
import type { EventLog } from "../events/event-log";
import type { SessionRuntime } from "../runtime/session-runtime";
import type { Owner, OwnershipLeases } from "./ownership";
import { SessionHub } from "./session-hub";

export class WrongInstanceError extends DomainError {
	readonly owner: Owner;
	constructor(sessionId: string, owner: Owner) {
		super("conflict", "WRONG_INSTANCE", `Session ${sessionId} is served by another gateway instance`, {
			ownerUrl: owner.url,
		});
		this.owner = owner;
	}
}

export interface HubManagerDeps {
	eventLog: EventLog;
	leases: OwnershipLeases;
	logger: Logger;
	/** Pause sessions with no clients and no running work after this long (ms); 0 disables. */
	idleTimeoutMs?: number;
	createRuntime: (
		sessionId: string,
		organizationId: string,
		publish: (input: SessionEventInput) => Promise<void>,
		isAgentBusy: () => boolean,
	) => SessionRuntime;
}

/**
 * One hub per active session on this instance. Creation is de-duplicated (concurrent callers get
 * the same hub) and gated on the session's ownership lease; leases are renewed every TTL/3 and a
 * hub whose lease cannot be renewed stops acting at once (its clients reconnect to the new owner).
 */
export class HubManager {
	private readonly hubs = new Map<string, SessionHub>();
	private readonly pending = new Map<string, Promise<SessionHub>>();
	private readonly renewal: NodeJS.Timeout;
	private lastRenewalAt = Date.now();

	constructor(private readonly deps: HubManagerDeps) {
		this.renewal = setInterval(() => void this.renewLeases(), Math.max(500, deps.leases.ttlMs / 3));
		this.renewal.unref();
		const idleMs = deps.idleTimeoutMs ?? 0;
		if (idleMs > 0) {
			this.idleSweep = setInterval(
				() => void this.pauseIdleSessions(idleMs),
				Math.max(250, Math.min(idleMs / 2, 15_000)),
			);
			this.idleSweep.unref();
		}
	}

	private idleSweep: NodeJS.Timeout | undefined;

	/** Pauses (snapshot + stop) sessions nobody watches and the agent is not working on, then evicts their hubs. */
	private async pauseIdleSessions(idleMs: number): Promise<void> {
		for (const [sessionId, hub] of this.hubs) {
			if (!hub.isIdle(idleMs)) continue;
			try {
				await hub.runtime.pause(`paused after ${Math.round(idleMs / 1000)}s without activity`);
				this.deps.logger.info({ sessionId }, "paused an idle session");
				await this.remove(sessionId);
			} catch (error) {
				this.deps.logger.warn({ err: error, sessionId }, "pausing an idle session failed");
			}
		}
	}

	get size(): number {
		return this.hubs.size;
	}

	get(sessionId: string): SessionHub | undefined {
		return this.hubs.get(sessionId);
	}

	getOrCreate(sessionId: string, organizationId: string): Promise<SessionHub> {
		const existing = this.hubs.get(sessionId);
		if (existing) return Promise.resolve(existing);
		let creation = this.pending.get(sessionId);
		if (!creation) {
			creation = this.create(sessionId, organizationId).finally(() => this.pending.delete(sessionId));
			this.pending.set(sessionId, creation);
		}
		return creation;
	}

	private async create(sessionId: string, organizationId: string): Promise<SessionHub> {
		const lease = await this.deps.leases.acquire(sessionId);
		if (!lease.acquired) throw new WrongInstanceError(sessionId, lease.owner);
		const hub = new SessionHub(
			sessionId,
			organizationId,
			this.deps.eventLog,
			this.deps.logger,
			(publish, isAgentBusy) => this.deps.createRuntime(sessionId, organizationId, publish, isAgentBusy),
		);
		this.hubs.set(sessionId, hub);
		return hub;
	}

	private async renewLeases(): Promise<void> {
		const now = Date.now();
		// After a stall longer than the TTL another instance may already own our sessions: step back.
		const stalled = now - this.lastRenewalAt > this.deps.leases.ttlMs;
		this.lastRenewalAt = now;
		for (const [sessionId, hub] of this.hubs) {
			const kept = !stalled && (await this.deps.leases.renew(sessionId).catch(() => false));
			if (!kept) {
				this.deps.logger.warn({ sessionId }, "lost the session's ownership lease; handing it over");
				this.hubs.delete(sessionId);
				hub.relinquish("session ownership moved to another gateway instance");
			}
		}
	}

	/** Removes a hub whose session ended; releases its lease. */
	async remove(sessionId: string): Promise<void> {
		const hub = this.hubs.get(sessionId);
		if (!hub) return;
		this.hubs.delete(sessionId);
		hub.runtime.detach();
		await this.deps.leases.release(sessionId).catch(() => {});
	}

	/** Simulates a crash (tests): stop acting at once, keep leases until they expire. */
	abandon(): void {
		clearInterval(this.renewal);
		clearInterval(this.idleSweep);
		for (const hub of this.hubs.values()) {
			hub.runtime.detach();
			for (const socket of hub.sockets()) socket.terminate();
		}
		this.hubs.clear();
	}

	/** Graceful shutdown: clients are told to reconnect, leases are released so another instance takes over at once. */
	async shutdown(): Promise<void> {
		clearInterval(this.renewal);
		clearInterval(this.idleSweep);
		for (const [sessionId, hub] of this.hubs) {
			hub.runtime.detach();
			hub.closeAll(closeCodes.goingAway, "gateway restarting; reconnect");
			await this.deps.leases.release(sessionId).catch(() => {});
		}
		this.hubs.clear();
	}
}
