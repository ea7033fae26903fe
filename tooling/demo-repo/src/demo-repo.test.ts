import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDemoRepo } from "./index";

const root = mkdtempSync(join(tmpdir(), "demo-repo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("createDemoRepo", () => {
	it("creates a committed repository whose tests pass", () => {
		const repo = createDemoRepo(join(root, "demo"));
		expect(execFileSync("git", ["-C", repo.path, "log", "--oneline"], { encoding: "utf8" })).toContain(
			"Initial commit",
		);
		expect(execFileSync("git", ["-C", repo.path, "status", "--porcelain"], { encoding: "utf8" })).toBe("");
		const output = execFileSync("node", ["--test"], { cwd: repo.path, encoding: "utf8" });
		expect(output).toMatch(/pass 2/);
	});

	it("leaves an existing repository untouched", () => {
		const path = join(root, "demo");
		const before = readFileSync(join(path, "src", "greet.js"), "utf8");
		createDemoRepo(path);
		expect(readFileSync(join(path, "src", "greet.js"), "utf8")).toBe(before);
	});
});
