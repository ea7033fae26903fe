import { randomUUID } from "node:crypto";
import type { Logger } from "@proliferate/logger";
import { DomainError, type SessionEvent, type SessionEventInput } from "@proliferate/shared";
import { EventLogUnavailableError, FencedAppendError } from "../events/event-log";

export interface PublisherLimits {
	/** Events held in memory while the event log is unreachable; past it, new events are dropped and counted. */
	maxBufferedEvents: number;
	/** Bytes (JSON) held in memory while the event log is unreachable. */
	maxBufferedBytes: number;
	/** After an outage this long the agent's turn is stopped (`onOutageLimit`); buffering goes on within the bounds. */
	maxOutageMs: number;
	/** Delay between append attempts during an outage (doubling up to `retryMaxMs`). */
	retryMinMs: number;
	retryMaxMs: number;
}

export const defaultPublisherLimits: PublisherLimits = {
	maxBufferedEvents: 10_000,
	maxBufferedBytes: 16 * 1024 * 1024,
	maxOutageMs: 60_000,
	retryMinMs: 100,
	retryMaxMs: 1000,
};

export interface PublisherDeps {
	sessionId: string;
	logger: Logger;
	limits?: Partial<PublisherLimits>;
	/**
	 * Writes one event (fenced by the session's lease) and answers it with its seq; the same
	 * `appendId` (one per event, kept across retries) is written once.
	 */
	append: (input: SessionEventInput, appendId: string) => Promise<SessionEvent>;
	/** An appended event, in seq order, to fan out to clients. */
	deliver: (event: SessionEvent) => void;
	/**
	 * An append was fenced (the lease no longer holds the value it was made with): answers whether
	 * this instance still owns the session (it took an expired lease back) — then the append is retried.
	 */
	onFenced: () => Promise<boolean>;
	/** Events were lost or the outage outlasted its limit: stop the agent's turn. */
	onGiveUp: (reason: string) => void;
	/** Events that close what the lost events left open (e.g. assistant messages), published after the gap event. */
	closingEvents?: (error: string) => SessionEventInput[];
}

/** The event could not be kept: the outage outlasted the in-memory buffer. A gap event follows when Redis returns. */
export class EventDroppedError extends DomainError {
	constructor() {
		super(
			"unavailable",
			"EVENT_DROPPED",
			"The event log is unreachable and the buffer is full; the event was dropped",
		);
	}
}

interface Pending {
	input: SessionEventInput;
	appendId: string;
	bytes: number;
	resolve: (event: SessionEvent) => void;
	reject: (error: unknown) => void;
}

interface Outage {
	since: number;
	gaveUp: boolean;
	dropped: number;
	firstDroppedType?: string;
}

/**
 * Publishes a session's events in call order. While the event log (Redis) is unreachable the
 * events wait in memory, bounded in count and bytes, and are appended in order once it returns:
 * the seqs stay contiguous and nothing is lost silently. Past the bounds new events are dropped and
 * counted; past the outage limit the agent's turn is stopped. Either way, when Redis returns, an
 * `error` event (`EVENTS_LOST` or `EVENT_LOG_OUTAGE`) names the gap and the session is marked idle.
 */
export class EventPublisher {
	private readonly queue: Pending[] = [];
	private queuedBytes = 0;
	private flushing = false;
	private outage: Outage | undefined;
	private outageTimer: NodeJS.Timeout | undefined;
	private closed: Error | undefined;
	private readonly limits: PublisherLimits;

	constructor(private readonly deps: PublisherDeps) {
		this.limits = { ...defaultPublisherLimits, ...deps.limits };
	}

	/** Events waiting for the event log (zero unless Redis is unreachable). */
	get buffered(): number {
		return this.queue.length;
	}

	get unavailableSince(): number | undefined {
		return this.outage?.since;
	}

	publish(input: SessionEventInput): Promise<SessionEvent> {
		if (this.closed) return Promise.reject(this.closed);
		const bytes = JSON.stringify(input).length;
		if (
			this.outage &&
			(this.queue.length >= this.limits.maxBufferedEvents ||
				this.queuedBytes + bytes > this.limits.maxBufferedBytes)
		) {
			this.outage.dropped += 1;
			this.outage.firstDroppedType ??= input.type;
			this.giveUp(`the event buffer is full (${this.queue.length} events held)`);
			return Promise.reject(new EventDroppedError());
		}
		return new Promise<SessionEvent>((resolve, reject) => {
			this.queue.push({ input, appendId: randomUUID(), bytes, resolve, reject });
			this.queuedBytes += bytes;
			void this.flush();
		});
	}

	/** Refuses further events and fails the waiting ones (ownership lost, hub closed). */
	close(error: Error): void {
		this.closed = error;
		clearTimeout(this.outageTimer);
		for (const pending of this.queue.splice(0)) pending.reject(error);
		this.queuedBytes = 0;
	}

	private giveUp(reason: string): void {
		if (!this.outage || this.outage.gaveUp) return;
		this.outage.gaveUp = true;
		this.deps.logger.warn(
			{ sessionId: this.deps.sessionId, reason, buffered: this.queue.length },
			"event log outage: stopping the agent's turn",
		);
		this.deps.onGiveUp(reason);
	}

	private startOutage(error: unknown): void {
		if (this.outage) return;
		this.outage = { since: Date.now(), gaveUp: false, dropped: 0 };
		this.deps.logger.warn(
			{ sessionId: this.deps.sessionId, err: error },
			"the event log is unreachable; holding events in memory until it returns",
		);
		this.outageTimer = setTimeout(
			() => this.giveUp(`the event log was unreachable for ${Math.round(this.limits.maxOutageMs / 1000)} s`),
			this.limits.maxOutageMs,
		);
		this.outageTimer.unref();
	}

	/** After the buffered events are written: the gap (if any) as an error event, then idle. */
	private endOutage(): SessionEventInput[] {
		const outage = this.outage;
		this.outage = undefined;
		clearTimeout(this.outageTimer);
		if (!outage) return [];
		const seconds = ((Date.now() - outage.since) / 1000).toFixed(1);
		this.deps.logger.info(
			{ sessionId: this.deps.sessionId, seconds, dropped: outage.dropped },
			"the event log is reachable again; buffered events written",
		);
		if (!outage.gaveUp) return [];
		const message =
			outage.dropped > 0
				? `${outage.dropped} events (from a ${outage.firstDroppedType} on) were lost while the event log was unreachable for ${seconds} s; the agent's turn was stopped`
				: `The event log was unreachable for ${seconds} s; the agent's turn was stopped so nothing more is lost`;
		return [
			{
				type: "error",
				code: outage.dropped > 0 ? "EVENTS_LOST" : "EVENT_LOG_OUTAGE",
				message,
				retryable: true,
			},
			...(this.deps.closingEvents?.(message) ?? []),
			{ type: "session.status", status: "idle", message: "The turn ended after an event log outage" },
		];
	}

	private async flush(): Promise<void> {
		if (this.flushing) return;
		this.flushing = true;
		let delay = this.limits.retryMinMs;
		try {
			while (this.queue.length > 0 && !this.closed) {
				const pending = this.queue[0] as Pending;
				let event: SessionEvent;
				try {
					event = await this.deps.append(pending.input, pending.appendId);
				} catch (error) {
					if (error instanceof FencedAppendError) {
						if (await this.deps.onFenced()) continue;
						this.close(error);
						return;
					}
					if (error instanceof EventLogUnavailableError) {
						this.startOutage(error);
						await new Promise((resolve) => setTimeout(resolve, delay));
						delay = Math.min(delay * 2, this.limits.retryMaxMs);
						continue;
					}
					// Not an outage (e.g. an event that cannot be serialised): fail it alone.
					this.queue.shift();
					this.queuedBytes -= pending.bytes;
					this.deps.logger.error(
						{ err: error, sessionId: this.deps.sessionId },
						"publishing an event failed",
					);
					pending.reject(error);
					continue;
				}
				delay = this.limits.retryMinMs;
				this.queue.shift();
				this.queuedBytes -= pending.bytes;
				this.deps.deliver(event);
				pending.resolve(event);
				if (this.queue.length === 0 && this.outage) {
					for (const input of this.endOutage()) void this.publish(input).catch(() => {});
				}
			}
		} finally {
			this.flushing = false;
		}
	}
}
