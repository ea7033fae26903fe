import { PROCESS_LOG_MARKERS } from "@proliferate/shared";
import { describe, expect, it } from "vitest";
import { AgentRuntime, currentRun } from "./runtime-client";

describe("OpenCode readiness from its log", () => {
	it("reads only the latest run of the process", () => {
		const log = [
			PROCESS_LOG_MARKERS.starting,
			"opencode server listening on http://127.0.0.1:4096",
			`${PROCESS_LOG_MARKERS.exited} SIGTERM`,
			PROCESS_LOG_MARKERS.starting,
			"booting",
		].join("\n");
		expect(currentRun(log)).toBe(`${PROCESS_LOG_MARKERS.starting}\nbooting`);
		expect(currentRun("no markers")).toBe("no markers");
	});

	it("fails at once when OpenCode exits before listening, with the log", async () => {
		let reads = 0;
		const runtime = new AgentRuntime({
			// Nothing listens here: only the log can end the wait early.
			baseUrl: "http://127.0.0.1:9",
			password: "p",
			readLog: async () => {
				reads++;
				return [
					PROCESS_LOG_MARKERS.starting,
					"opencode server listening on http://127.0.0.1:4096",
					`${PROCESS_LOG_MARKERS.exited} SIGTERM`,
					PROCESS_LOG_MARKERS.starting,
					"Error: config is invalid",
					`${PROCESS_LOG_MARKERS.exited} 1`,
				].join("\n");
			},
		});
		await expect(runtime.waitUntilReady(30_000)).rejects.toMatchObject({
			code: "AGENT_BOOT_FAILED",
			message: expect.stringMatching(/OpenCode exited while starting[\s\S]*config is invalid/),
		});
		// Not the deadline: the exit was seen on the first read (and once more for the error's log tail).
		expect(reads).toBe(2);
	});
});
