import type { EventEmitter } from "node:events";
import type { Logger } from "@proliferate/logger";
import { closeCodes } from "@proliferate/shared";
import type { WebSocket } from "ws";

/** What a protocol error of the `ws` library means on the wire: the close code and a short reason. */
export interface ProtocolFault {
	code: number;
	reason: string;
	/** The `ws` error code (`WS_ERR_…`), for logs. */
	wsCode: string;
}

/** Maps a `ws` receiver error to the close code RFC 6455 asks for (1009 too big, 1007 bad payload, else 1002). */
export function protocolFaultOf(error: unknown): ProtocolFault {
	const wsCode =
		typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
			? (error as { code: string }).code
			: "UNKNOWN";
	if (wsCode === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH")
		return { code: closeCodes.messageTooBig, reason: "frame too large", wsCode };
	if (wsCode === "WS_ERR_INVALID_UTF8")
		return { code: closeCodes.invalidPayload, reason: "invalid UTF-8", wsCode };
	return { code: closeCodes.protocolError, reason: `protocol error (${wsCode})`, wsCode };
}

export interface GuardOptions {
	logger: Logger;
	/** Names the socket in logs (`stream`, `terminal`, `preview upstream`…). */
	label: string;
	/** Called once, before the close frame goes out, when the peer broke the protocol (e.g. to send an error frame). */
	onProtocolFault?: (fault: ProtocolFault) => void;
}

/**
 * Every WebSocket the gateway accepts or opens goes through here: a protocol error (oversized,
 * invalid UTF-8, unmasked, reserved opcode…) closes only that socket, with its RFC close code and a
 * reason, and never becomes an uncaught exception. `ws` itself closes such sockets with the code
 * and no reason; listening on its receiver first lets the reason (and an error frame) go out.
 */
export function guardSocket(socket: WebSocket, options: GuardOptions): void {
	let faulted = false;
	const onFault = (error: unknown) => {
		if (faulted) return;
		faulted = true;
		const fault = protocolFaultOf(error);
		options.logger.debug(
			{ err: error, socket: options.label, wsCode: fault.wsCode },
			"websocket protocol error",
		);
		if (socket.readyState === socket.OPEN) {
			try {
				options.onProtocolFault?.(fault);
			} catch {}
			socket.close(fault.code, fault.reason);
		}
		// A peer that breaks the protocol need not answer the close handshake.
		setTimeout(() => socket.terminate(), 2000).unref();
	};
	const hookReceiver = () => {
		// `_receiver` is ws's frame parser; its error listener (ws's own) closes without a reason.
		const receiver = (socket as unknown as { _receiver?: EventEmitter })._receiver;
		receiver?.prependListener("error", onFault);
	};
	socket.on("error", onFault);
	// Accepted sockets are open already; a client socket gets its parser just before "open".
	if (socket.readyState === socket.OPEN) hookReceiver();
	else socket.once("open", hookReceiver);
}

/** A close code that may be sent on (1000 and application codes); others (1005, 1006…) become 1000. */
export function forwardableCloseCode(code: number): number {
	return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}

/** Close reasons are at most 123 bytes on the wire. */
export function closeReason(text: string): string {
	const buffer = Buffer.from(text);
	return buffer.length <= 123
		? text
		: buffer
				.subarray(0, 120)
				.toString("utf8")
				.replace(/\uFFFD$/, "");
}
