import { describe, expect, it } from "vitest";
import { buildSystemPrompt, platformToolsByKind, type SessionKind } from "./index";

const allTools = [
	"verify",
	"save_snapshot",
	"request_env_variables",
	"save_service_commands",
	"save_env_files",
	"automation_complete",
];

describe("system prompts", () => {
	for (const kind of ["coding", "setup", "automation"] as SessionKind[]) {
		it(`mentions exactly the ${kind} session's tools`, () => {
			const prompt = buildSystemPrompt({ kind, repoName: "acme/web" });
			for (const tool of allTools) {
				expect(prompt.includes(`proliferate_${tool}\``)).toBe(platformToolsByKind[kind].includes(tool));
			}
			expect(prompt).toContain("acme/web");
		});
	}

	it("requires automations to report their outcome and includes the repository's instructions", () => {
		const prompt = buildSystemPrompt({
			kind: "automation",
			repoName: "r",
			repoInstructions: "Run pnpm test.",
		});
		expect(prompt).toMatch(/always end by calling proliferate_automation_complete/);
		expect(prompt).toContain("## The repository's instructions\nRun pnpm test.");
	});
});
