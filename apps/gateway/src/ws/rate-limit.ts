/** A per-connection token bucket: `burst` frames at once, refilled at `perSecond`. */
export interface RateLimitSettings {
	burst: number;
	perSecond: number;
	/** Frames refused in a row (with no accepted frame between) before the connection is closed (1008). */
	strikes: number;
}

export type Admission = "accept" | "limited" | "close";

/**
 * Admits frames of one connection. Over the rate, frames are refused ("limited": the caller sends one
 * `RATE_LIMITED` error frame per streak and drops the frame); a streak of `strikes` refusals means the
 * client keeps flooding ("close": the caller closes with 1008).
 */
export class FrameRateLimiter {
	private tokens: number;
	private refilledAt: number;
	private streak = 0;

	constructor(
		private readonly settings: RateLimitSettings,
		private readonly now: () => number = () => performance.now(),
	) {
		this.tokens = settings.burst;
		this.refilledAt = now();
	}

	admit(): Admission {
		const now = this.now();
		this.tokens = Math.min(
			this.settings.burst,
			this.tokens + ((now - this.refilledAt) / 1000) * this.settings.perSecond,
		);
		this.refilledAt = now;
		if (this.tokens >= 1) {
			this.tokens -= 1;
			this.streak = 0;
			return "accept";
		}
		this.streak++;
		return this.streak > this.settings.strikes ? "close" : "limited";
	}

	/** True for the first refusal of a streak (the one that gets an error frame). */
	get firstRefusal(): boolean {
		return this.streak === 1;
	}
}
