import type { Logger } from "@proliferate/logger";
import { closeCodes, DomainError } from "@proliferate/shared";
import type { EventLog } from "../events/event-log";
import type { SessionController } from "../session/session-controller";
import type { PublisherLimits } from "./event-publisher";
import { CoordinationUnavailableError, type Lease, type Owner, type OwnershipLeases } from "./ownership";
import { type HubView, SessionHub } from "./session-hub";

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
	publisherLimits?: Partial<PublisherLimits>;
	createController: (
		sessionId: string,
		organizationId: string,
		view: HubView & {
			/** False once this instance may no longer act for the session (lease lost or unconfirmed). */
			stillOwner: () => boolean;
		},
	) => SessionController;
}

interface Held {
	hub: SessionHub;
	lease: Lease;
	/** Since when the lease could not be renewed because Redis was out of reach. */
	unconfirmedSince?: number;
	/** The check in progress (renewal and fenced appends share it: one check at a time per lease). */
	checking?: Promise<void>;
}

/**
 * One hub per active session on this instance. Creation is de-duplicated (concurrent callers get
 * the same hub) and gated on the session's ownership lease; leases are renewed every TTL/3.
 *
 * A renewal that cannot reach Redis is not proof that another instance took the session: the hub
 * keeps acting (its events wait in memory) and the lease is checked again when Redis answers.
 * Then, a lease that expired meanwhile is taken back only at exactly the next version (nobody held
 * it in between); a lease another instance holds, or one taken back at a later version, makes the
 * hub step back at once. Event appends are fenced with the lease value, so a stale owner never
 * writes into the session's log.
 */
export class HubManager {
	private readonly held = new Map<string, Held>();
	private readonly pending = new Map<string, Promise<SessionHub>>();
	private readonly renewal: NodeJS.Timeout;
	private renewing = false;
	private idleSweep: NodeJS.Timeout | undefined;

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

	/** Pauses (snapshot + stop) sessions nobody watches and the agent is not working on, then evicts their hubs. */
	private async pauseIdleSessions(idleMs: number): Promise<void> {
		for (const [sessionId, { hub }] of this.held) {
			if (!hub.isIdle(idleMs)) continue;
			try {
				await hub.controller.pause(`paused after ${Math.round(idleMs / 1000)}s without activity`);
				this.deps.logger.info({ sessionId }, "paused an idle session");
				await this.remove(sessionId);
			} catch (error) {
				this.deps.logger.warn({ err: error, sessionId }, "pausing an idle session failed");
			}
		}
	}

	get size(): number {
		return this.held.size;
	}

	get(sessionId: string): SessionHub | undefined {
		return this.held.get(sessionId)?.hub;
	}

	/** The lease this instance holds for the session (tests and diagnostics). */
	leaseOf(sessionId: string): Lease | undefined {
		return this.held.get(sessionId)?.lease;
	}

	getOrCreate(sessionId: string, organizationId: string): Promise<SessionHub> {
		const existing = this.held.get(sessionId);
		if (existing) return Promise.resolve(existing.hub);
		let creation = this.pending.get(sessionId);
		if (!creation) {
			creation = this.create(sessionId, organizationId).finally(() => this.pending.delete(sessionId));
			this.pending.set(sessionId, creation);
		}
		return creation;
	}

	private async create(sessionId: string, organizationId: string): Promise<SessionHub> {
		const result = await this.deps.leases.acquire(sessionId);
		if (!result.acquired) throw new WrongInstanceError(sessionId, result.owner);
		const leaseKey = this.deps.leases.key(sessionId);
		const hub: SessionHub = new SessionHub({
			sessionId,
			organizationId,
			eventLog: this.deps.eventLog,
			logger: this.deps.logger,
			...(this.deps.publisherLimits ? { publisherLimits: this.deps.publisherLimits } : {}),
			fence: () => {
				const held = this.held.get(sessionId);
				return held?.hub === hub ? { leaseKey, leaseValue: held.lease.value } : undefined;
			},
			onFenced: async () => {
				const held = this.held.get(sessionId);
				if (held?.hub !== hub) return false;
				// Expired during an outage (taken back at the next version) or taken by another instance.
				await this.renewOne(sessionId, held);
				return this.held.get(sessionId)?.hub === hub;
			},
			createController: (view) =>
				this.deps.createController(sessionId, organizationId, {
					...view,
					stillOwner: () => {
						const held = this.held.get(sessionId);
						return held?.hub === hub && held.unconfirmedSince === undefined;
					},
				}),
		});
		this.held.set(sessionId, { hub, lease: result.lease });
		try {
			await hub.restore();
		} catch (error) {
			this.held.delete(sessionId);
			hub.close();
			await this.deps.leases.release(result.lease).catch(() => {});
			throw error;
		}
		return hub;
	}

	/** Hands the session over: the hub stops acting, clients go to the new owner (when one is known). */
	private async stepBack(sessionId: string, hub: SessionHub, why: string): Promise<void> {
		const held = this.held.get(sessionId);
		if (held?.hub !== hub) return;
		this.held.delete(sessionId);
		const owner = await this.deps.leases.holder(sessionId).catch(() => null);
		const moved = owner && owner.instanceId !== this.deps.leases.self.instanceId ? owner : undefined;
		this.deps.logger.warn(
			{ sessionId, why, newOwner: moved?.instanceId ?? null },
			moved
				? "another gateway instance owns the session now; handing it over"
				: "lost the session's lease; letting it go",
		);
		hub.relinquish(moved?.url || undefined);
	}

	private async renewLeases(): Promise<void> {
		if (this.renewing) return;
		this.renewing = true;
		try {
			for (const [sessionId, held] of this.held) await this.renewOne(sessionId, held);
		} finally {
			this.renewing = false;
		}
	}

	private renewOne(sessionId: string, held: Held): Promise<void> {
		held.checking ??= this.checkLease(sessionId, held).finally(() => {
			held.checking = undefined;
		});
		return held.checking;
	}

	private async checkLease(sessionId: string, held: Held): Promise<void> {
		try {
			if (await this.deps.leases.renew(held.lease)) {
				if (held.unconfirmedSince !== undefined) {
					this.deps.logger.info({ sessionId }, "the session's lease is confirmed again");
					held.unconfirmedSince = undefined;
				}
				return;
			}
			// Not ours any more as it was: expired (taken back only at the next version) or taken.
			const again = await this.deps.leases.acquire(sessionId);
			if (again.acquired && again.lease.version === held.lease.version) return;
			if (again.acquired && again.lease.version === held.lease.version + 1) {
				held.lease = again.lease;
				held.unconfirmedSince = undefined;
				this.deps.logger.info({ sessionId, version: again.lease.version }, "took the expired lease back");
				return;
			}
			if (again.acquired) await this.deps.leases.release(again.lease).catch(() => {});
			await this.stepBack(sessionId, held.hub, "the lease was held by another instance");
		} catch (error) {
			if (!(error instanceof CoordinationUnavailableError)) throw error;
			if (held.unconfirmedSince === undefined) {
				held.unconfirmedSince = Date.now();
				this.deps.logger.warn(
					{ sessionId },
					"cannot renew the session's lease (Redis unreachable); keeping the session until Redis answers",
				);
			}
		}
	}

	/** Removes a hub whose session ended; releases its lease. */
	async remove(sessionId: string): Promise<void> {
		const held = this.held.get(sessionId);
		if (!held) return;
		this.held.delete(sessionId);
		held.hub.controller.detach();
		held.hub.close();
		await this.deps.leases.release(held.lease).catch(() => {});
	}

	/** Simulates a crash (tests): stop acting at once, keep leases until they expire. */
	abandon(): void {
		clearInterval(this.renewal);
		clearInterval(this.idleSweep);
		for (const { hub } of this.held.values()) {
			hub.controller.detach();
			hub.close();
			for (const socket of hub.sockets()) socket.terminate();
		}
		this.held.clear();
	}

	/** Graceful shutdown: clients are told to reconnect, leases are released so another instance takes over at once. */
	async shutdown(): Promise<void> {
		clearInterval(this.renewal);
		clearInterval(this.idleSweep);
		for (const { hub, lease } of this.held.values()) {
			if (hub.bufferedEvents > 0)
				this.deps.logger.warn(
					{ sessionId: hub.sessionId, buffered: hub.bufferedEvents },
					"shutting down with events the event log never took",
				);
			hub.controller.detach();
			hub.closeAll(closeCodes.goingAway, "gateway restarting; reconnect");
			hub.close();
			await this.deps.leases.release(lease).catch(() => {});
		}
		this.held.clear();
	}
}
