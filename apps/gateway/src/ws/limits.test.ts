import { envSchema } from "@proliferate/environment";
import { describe, expect, it } from "vitest";
import { defaultWebSocketLimits, type WebSocketLimitsEnv, webSocketLimitsFromEnv } from "./limits";

describe("WebSocket limits from the environment", () => {
	it("default to the built-in limits", () => {
		const keys = Object.entries(envSchema.shape).filter(([key]) => key.startsWith("GATEWAY_WS_"));
		const defaults = Object.fromEntries(keys.map(([key, schema]) => [key, schema.parse(undefined)]));
		expect(keys).toHaveLength(10);
		expect(webSocketLimitsFromEnv(defaults as unknown as WebSocketLimitsEnv)).toEqual(defaultWebSocketLimits);
	});

	it("take each key", () => {
		const limits = webSocketLimitsFromEnv({
			GATEWAY_WS_STREAM_MAX_FRAME_BYTES: 1,
			GATEWAY_WS_STREAM_MAX_PENDING_FRAMES: 2,
			GATEWAY_WS_STREAM_MAX_PENDING_BYTES: 3,
			GATEWAY_WS_STREAM_RATE_BURST: 4,
			GATEWAY_WS_STREAM_RATE_PER_SECOND: 5,
			GATEWAY_WS_STREAM_RATE_STRIKES: 6,
			GATEWAY_WS_RELAY_MAX_FRAME_BYTES: 7,
			GATEWAY_WS_RELAY_RATE_BURST: 8,
			GATEWAY_WS_RELAY_RATE_PER_SECOND: 9,
			GATEWAY_WS_RELAY_RATE_STRIKES: 10,
		});
		expect(limits.stream).toEqual({
			maxFrameBytes: 1,
			maxPendingFrames: 2,
			maxPendingBytes: 3,
			rate: { burst: 4, perSecond: 5, strikes: 6 },
		});
		expect(limits.relay).toMatchObject({ maxFrameBytes: 7, rate: { burst: 8, perSecond: 9, strikes: 10 } });
	});
});
