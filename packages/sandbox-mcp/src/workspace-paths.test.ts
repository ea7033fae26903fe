import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveInWorkspace } from "./workspace-paths";

const root = mkdtempSync(join(tmpdir(), "workspace-paths-"));
const workspace = join(root, "workspace");
mkdirSync(join(workspace, "src"), { recursive: true });
writeFileSync(join(root, "secret.txt"), "outside");
symlinkSync(join(root, "secret.txt"), join(workspace, "escape.txt"));
symlinkSync(join(workspace, "src"), join(workspace, "inside-link"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("resolveInWorkspace", () => {
	it("resolves relative and absolute paths inside the workspace", () => {
		expect(resolveInWorkspace(workspace, "src")).toBe(join(workspace, "src"));
		expect(resolveInWorkspace(workspace, join(workspace, "src"))).toBe(join(workspace, "src"));
		expect(resolveInWorkspace(workspace, "inside-link")).toBe(join(workspace, "src"));
		expect(resolveInWorkspace(workspace, "not-yet/created.txt")).toBe(join(workspace, "not-yet/created.txt"));
	});

	it("refuses .., absolute paths elsewhere and symlinks pointing out", () => {
		for (const path of ["..", "../secret.txt", "src/../../secret.txt", "/etc/passwd", "escape.txt"]) {
			expect(() => resolveInWorkspace(workspace, path)).toThrow(/outside the workspace/);
		}
	});
});
