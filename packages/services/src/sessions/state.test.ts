import { describe, expect, it } from "vitest";
import { allowedTransitions, canTransition, sessionStatuses } from "./state";

describe("session state machine", () => {
	it("allows resume only through starting", () => {
		expect(canTransition("paused", "running")).toBe(false);
		expect(canTransition("paused", "starting")).toBe(true);
		expect(canTransition("stopped", "running")).toBe(false);
	});

	it("defines transitions for every status and only to known statuses", () => {
		for (const status of sessionStatuses) {
			for (const target of allowedTransitions[status]) expect(sessionStatuses).toContain(target);
		}
	});
});
