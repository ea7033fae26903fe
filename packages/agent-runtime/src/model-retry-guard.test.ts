import { describe, expect, it } from "vitest";
import { modelRetriesExhausted } from "./model-retry-guard";
import type { OpencodeEvent } from "./runtime-client";

const retry = (attempt: number, sessionID = "ses_1") =>
	({
		type: "session.status",
		properties: { sessionID, status: { type: "retry", attempt, message: "upstream 500", next: 0 } },
	}) as unknown as OpencodeEvent;

describe("modelRetriesExhausted", () => {
	it("gives up at the limit, only for our session's retry statuses", () => {
		expect(modelRetriesExhausted(retry(4), "ses_1")).toBeNull();
		expect(modelRetriesExhausted(retry(5), "ses_1")?.message).toContain("upstream 500");
		expect(modelRetriesExhausted(retry(9), "ses_2")).toBeNull();
		const busy = {
			type: "session.status",
			properties: { sessionID: "ses_1", status: { type: "busy" } },
		} as unknown as OpencodeEvent;
		expect(modelRetriesExhausted(busy, "ses_1")).toBeNull();
		expect(modelRetriesExhausted(retry(2), "ses_1", 2)).not.toBeNull();
	});
});
