import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
	commandToShell,
	envExports,
	redactSecrets,
	resolveInsideHome,
	shellQuote,
	signalFromExitCode,
} from "./shell";

const sh = (script: string) => execFileSync("bash", ["-c", script], { encoding: "utf8" });

describe("remote provider shell helpers", () => {
	it("quotes arguments so bash sees them unchanged", () => {
		const tricky = ["plain", "with space", "it's", "$HOME", "`id`", "a\nb", "", "--flag=x;y"];
		expect(sh(`printf '%s|' ${commandToShell(tricky)}`)).toBe(`${tricky.join("|")}|`);
		expect(shellQuote("safe/path-1.txt")).toBe("safe/path-1.txt");
	});

	it("exports environment variables verbatim and refuses bad names", () => {
		expect(sh(`${envExports({ A: "x y", B: "$(echo no)" })}\nprintf '%s|%s' "$A" "$B"`)).toBe(
			"x y|$(echo no)",
		);
		expect(() => envExports({ "BAD-NAME": "x" })).toThrow(expect.objectContaining({ kind: "invalid_input" }));
	});

	it("names signals from bash exit statuses", () => {
		expect(signalFromExitCode(137)).toBe("SIGKILL");
		expect(signalFromExitCode(143)).toBe("SIGTERM");
		expect(signalFromExitCode(1)).toBe(null);
		expect(signalFromExitCode(128)).toBe(null);
	});

	it("keeps paths inside the sandbox home", () => {
		const home = "/home/user";
		const workspace = "/home/user/workspace";
		expect(resolveInsideHome(home, workspace, "src/a.ts")).toBe("/home/user/workspace/src/a.ts");
		expect(resolveInsideHome(home, workspace, "/home/user/.config/x")).toBe("/home/user/.config/x");
		expect(resolveInsideHome(home, workspace, "../../../etc/passwd")).toBe(null);
		expect(resolveInsideHome(home, workspace, "/home/userx/file")).toBe(null);
		expect(resolveInsideHome(home, workspace, "/etc/passwd")).toBe(null);
	});

	it("redacts URL credentials and known secrets", () => {
		expect(
			redactSecrets("fatal: https://x-access-token:ghs_abc@github.com/o/r.git failed", ["ghs_abc"]),
		).toBe("fatal: https://***@github.com/o/r.git failed");
		expect(redactSecrets("token ghs_abcdef leaked", ["ghs_abcdef"])).toBe("token *** leaked");
	});
});
