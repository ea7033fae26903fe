import { describe, expect, it } from "vitest";
import { expiryMarginMs, type WatchedSession, watchCheckFor } from "./watch";

const now = Date.parse("2026-12-03T12:00:00Z");
const settings = { idleTimeoutMs: 300_000, stalledBootMs: 120_000 };
const at = (offsetMs: number) => new Date(now + offsetMs);

function session(overrides: Partial<WatchedSession> = {}): WatchedSession {
	return {
		id: "00000000-0000-4000-8000-000000000001",
		organizationId: "org",
		status: "running",
		lastActivityAt: at(-1000),
		updatedAt: at(-1000),
		idleTimeoutSeconds: null,
		sandboxCreatedAt: at(-600_000),
		sandboxExpiresAt: at(3000_000),
		...overrides,
	};
}

describe("watchCheckFor", () => {
	it("leaves a recently active session alone", () => {
		expect(watchCheckFor(session(), now, settings)).toBeNull();
	});

	it("checks idleness after the deployment's timeout, or the session's own", () => {
		expect(watchCheckFor(session({ lastActivityAt: at(-300_000) }), now, settings)).toBe("idle");
		expect(watchCheckFor(session({ lastActivityAt: at(-299_000) }), now, settings)).toBeNull();
		expect(
			watchCheckFor(session({ lastActivityAt: at(-400_000), idleTimeoutSeconds: 3600 }), now, settings),
		).toBeNull();
		expect(
			watchCheckFor(session({ lastActivityAt: at(-61_000), idleTimeoutSeconds: 60 }), now, settings),
		).toBe("idle");
	});

	it("checks expiry within a quarter of the sandbox's lifetime (at most five minutes) of its end, and after it", () => {
		// 60 s lifetime: 15 s margin.
		const short = { sandboxCreatedAt: at(-46_000), sandboxExpiresAt: at(14_000) };
		expect(watchCheckFor(session(short), now, settings)).toBe("expiry");
		expect(watchCheckFor(session({ ...short, sandboxExpiresAt: at(16_000) }), now, settings)).toBeNull();
		expect(watchCheckFor(session({ sandboxExpiresAt: at(-1) }), now, settings)).toBe("expiry");
		// One hour: five minutes.
		expect(expiryMarginMs({ sandboxCreatedAt: at(0), sandboxExpiresAt: at(3600_000) })).toBe(300_000);
		// Expiry wins over idleness (the pause reason says why).
		expect(watchCheckFor(session({ ...short, lastActivityAt: at(-999_000) }), now, settings)).toBe("expiry");
	});

	it("hands over a boot that stalled in starting, not one that just began", () => {
		expect(watchCheckFor(session({ status: "starting", updatedAt: at(-121_000) }), now, settings)).toBe(
			"idle",
		);
		expect(watchCheckFor(session({ status: "starting", updatedAt: at(-5_000) }), now, settings)).toBeNull();
	});

	it("needs no sandbox to check idleness", () => {
		const bare = session({ sandboxCreatedAt: null, sandboxExpiresAt: null, lastActivityAt: at(-301_000) });
		expect(watchCheckFor(bare, now, settings)).toBe("idle");
		expect(expiryMarginMs(bare)).toBe(0);
	});
});
