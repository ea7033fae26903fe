import { MAX_CLIENT_FRAME_BYTES } from "@proliferate/shared";
import type { RateLimitSettings } from "./rate-limit";

/** What one WebSocket connection may send. */
export interface WebSocketLimits {
	/** Largest frame (bytes): the `ws` `maxPayload`, so it holds before authentication too. */
	maxFrameBytes: number;
	/**
	 * Frames a stream client may send before its authentication (and replay) finishes, by count and
	 * bytes; more closes the socket with 1008. The client library sends at most its pacing burst then.
	 */
	maxPendingFrames: number;
	maxPendingBytes: number;
	rate: RateLimitSettings;
}

export interface GatewayWebSocketLimits {
	stream: WebSocketLimits;
	/** Terminal and preview sockets (relayed to sandbox-mcp or a sandbox port). */
	relay: WebSocketLimits;
}

export const defaultWebSocketLimits: GatewayWebSocketLimits = {
	stream: {
		maxFrameBytes: MAX_CLIENT_FRAME_BYTES,
		// Frames pass the rate limiter first, so more than `burst` never wait; bytes bound big prompts.
		maxPendingFrames: 64,
		maxPendingBytes: 4 * 1024 * 1024,
		rate: { burst: 60, perSecond: 30, strikes: 30 },
	},
	relay: {
		// sandbox-mcp's own terminal frame limit is 128 KiB; dev-server sockets rarely send more from the browser.
		maxFrameBytes: 1024 * 1024,
		maxPendingFrames: 0,
		maxPendingBytes: 0,
		rate: { burst: 400, perSecond: 200, strikes: 200 },
	},
};

export type WebSocketLimitsInput = {
	stream?: Partial<WebSocketLimits>;
	relay?: Partial<WebSocketLimits>;
};

export function resolveWebSocketLimits(input: WebSocketLimitsInput = {}): GatewayWebSocketLimits {
	return {
		stream: { ...defaultWebSocketLimits.stream, ...input.stream },
		relay: { ...defaultWebSocketLimits.relay, ...input.relay },
	};
}

/** The limits as the gateway's environment sets them (`GATEWAY_WS_*`; the defaults are `defaultWebSocketLimits`). */
export interface WebSocketLimitsEnv {
	GATEWAY_WS_STREAM_MAX_FRAME_BYTES: number;
	GATEWAY_WS_STREAM_MAX_PENDING_FRAMES: number;
	GATEWAY_WS_STREAM_MAX_PENDING_BYTES: number;
	GATEWAY_WS_STREAM_RATE_BURST: number;
	GATEWAY_WS_STREAM_RATE_PER_SECOND: number;
	GATEWAY_WS_STREAM_RATE_STRIKES: number;
	GATEWAY_WS_RELAY_MAX_FRAME_BYTES: number;
	GATEWAY_WS_RELAY_RATE_BURST: number;
	GATEWAY_WS_RELAY_RATE_PER_SECOND: number;
	GATEWAY_WS_RELAY_RATE_STRIKES: number;
}

export function webSocketLimitsFromEnv(env: WebSocketLimitsEnv): GatewayWebSocketLimits {
	return {
		stream: {
			maxFrameBytes: env.GATEWAY_WS_STREAM_MAX_FRAME_BYTES,
			maxPendingFrames: env.GATEWAY_WS_STREAM_MAX_PENDING_FRAMES,
			maxPendingBytes: env.GATEWAY_WS_STREAM_MAX_PENDING_BYTES,
			rate: {
				burst: env.GATEWAY_WS_STREAM_RATE_BURST,
				perSecond: env.GATEWAY_WS_STREAM_RATE_PER_SECOND,
				strikes: env.GATEWAY_WS_STREAM_RATE_STRIKES,
			},
		},
		relay: {
			maxFrameBytes: env.GATEWAY_WS_RELAY_MAX_FRAME_BYTES,
			maxPendingFrames: defaultWebSocketLimits.relay.maxPendingFrames,
			maxPendingBytes: defaultWebSocketLimits.relay.maxPendingBytes,
			rate: {
				burst: env.GATEWAY_WS_RELAY_RATE_BURST,
				perSecond: env.GATEWAY_WS_RELAY_RATE_PER_SECOND,
				strikes: env.GATEWAY_WS_RELAY_RATE_STRIKES,
			},
		},
	};
}

/** Largest frame the gateway accepts from a sandbox-side upstream (dev-server HMR updates can be large). */
export const MAX_UPSTREAM_FRAME_BYTES = 8 * 1024 * 1024;
