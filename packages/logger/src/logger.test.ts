import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./index";

function capture() {
	const lines: Record<string, unknown>[] = [];
	const destination = new Writable({
		write(chunk, _encoding, callback) {
			for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
			callback();
		},
	});
	return { lines, destination };
}

describe("createLogger", () => {
	it("tags every line with the service and child bindings", () => {
		const { lines, destination } = capture();
		const log = createLogger({ service: "gateway", destination }).child({ sessionId: "s1" });
		log.info({ step: "boot" }, "ready");
		expect(lines[0]).toMatchObject({ service: "gateway", sessionId: "s1", step: "boot", msg: "ready" });
	});

	it("redacts secret-looking fields at several depths", () => {
		const { lines, destination } = capture();
		const log = createLogger({ service: "web", destination });
		log.info(
			{
				password: "hunter2",
				user: { email: "a@b.c", password: "hunter2", apiKey: "pk_live" },
				request: { headers: { authorization: "Bearer abc" } },
			},
			"signed in",
		);
		const text = JSON.stringify(lines[0]);
		expect(text).not.toContain("hunter2");
		expect(text).not.toContain("pk_live");
		expect(text).not.toContain("Bearer abc");
		expect(lines[0]).toMatchObject({ user: { email: "a@b.c", password: "[redacted]" } });
	});

	it("serializes errors with their stack", () => {
		const { lines, destination } = capture();
		createLogger({ service: "worker", destination }).error({ err: new Error("boom") }, "job failed");
		expect(lines[0]).toMatchObject({ err: { message: "boom", type: "Error" } });
	});
});
