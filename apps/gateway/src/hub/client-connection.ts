import type { ServerFrame, SessionEvent } from "@proliferate/shared";
import { closeCodes } from "@proliferate/shared";
import type { GatewayPrincipal } from "@proliferate/shared/auth";
import type { WebSocket } from "ws";

/** Bytes buffered for one client before it is disconnected as too slow (it reconnects with its last seq). */
export const SLOW_CONSUMER_BYTES = 8 * 1024 * 1024;

/**
 * One WebSocket client of a hub. Until its replay is done, live events are held back and then
 * delivered with everything already sent skipped, so the client sees each seq exactly once, in order.
 */
export class ClientConnection {
	private replaying = true;
	private held: SessionEvent[] = [];
	lastSentSeq: number;

	constructor(
		readonly socket: WebSocket,
		readonly principal: GatewayPrincipal,
		after: number,
	) {
		this.lastSentSeq = after;
	}

	/** A client asking for `after` beyond the log's last seq gets `replayFrom = lastSeq` in its `ready` frame. */
	capReplayStart(lastSeq: number): void {
		if (this.replaying && this.lastSentSeq > lastSeq) this.lastSentSeq = Math.max(0, lastSeq);
	}

	send(frame: ServerFrame): void {
		if (this.socket.readyState !== this.socket.OPEN) return;
		if (this.socket.bufferedAmount > SLOW_CONSUMER_BYTES) {
			this.socket.close(closeCodes.slowConsumer, "client too slow; reconnect with your last seq");
			// A client that is not reading will not answer the close handshake either.
			setTimeout(() => this.socket.terminate(), 1000).unref();
			return;
		}
		this.socket.send(JSON.stringify(frame));
	}

	private sendEvent(event: SessionEvent): void {
		if (event.seq <= this.lastSentSeq) return;
		this.lastSentSeq = event.seq;
		this.send({ kind: "event", event });
	}

	deliver(event: SessionEvent): void {
		if (this.replaying) this.held.push(event);
		else this.sendEvent(event);
	}

	finishReplay(replayed: SessionEvent[]): void {
		for (const event of replayed) this.sendEvent(event);
		for (const event of this.held) this.sendEvent(event);
		this.held = [];
		this.replaying = false;
	}
}
