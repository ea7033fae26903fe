import { describe, expect, it } from "vitest";
import { FrameRateLimiter } from "./rate-limit";

describe("FrameRateLimiter", () => {
	it("admits a burst, refuses over the rate, refills with time and closes a client that keeps flooding", () => {
		let now = 0;
		const limiter = new FrameRateLimiter({ burst: 3, perSecond: 2, strikes: 2 }, () => now);
		expect([limiter.admit(), limiter.admit(), limiter.admit()]).toEqual(["accept", "accept", "accept"]);
		expect(limiter.admit()).toBe("limited");
		expect(limiter.firstRefusal).toBe(true);
		now += 500; // one token back
		expect(limiter.admit()).toBe("accept");
		expect([limiter.admit(), limiter.admit()]).toEqual(["limited", "limited"]);
		expect(limiter.firstRefusal).toBe(false);
		expect(limiter.admit()).toBe("close");
		now += 10_000; // refills to the burst, not beyond
		expect([limiter.admit(), limiter.admit(), limiter.admit(), limiter.admit()]).toEqual([
			"accept",
			"accept",
			"accept",
			"limited",
		]);
	});
});
