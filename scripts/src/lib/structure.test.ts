import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { checkStructure, countLines, judge, KNOWN_VIOLATIONS } from "./structure";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
const directories: string[] = [];

function fixture(files: Record<string, string>): string {
	const root = mkdtempSync(join(tmpdir(), "structure-"));
	directories.push(root);
	for (const [path, content] of Object.entries(files)) {
		mkdirSync(dirname(join(root, path)), { recursive: true });
		writeFileSync(join(root, path), content);
	}
	return root;
}

const lines = (count: number) => "export const x = 1;\n".repeat(count);

afterEach(() => {
	for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("structure check", () => {
	it("counts lines like wc -l", () => {
		expect(countLines("")).toBe(0);
		expect(countLines("a\nb\n")).toBe(2);
		expect(countLines("a\nb")).toBe(2);
	});

	it("reports source files over 600 lines, tests included, and skips built, generated and installed files", async () => {
		const root = fixture({
			"apps/web/src/long.ts": lines(601),
			"apps/web/src/exact.ts": lines(600),
			"packages/shared/src/long.test.ts": lines(700),
			"packages/shared/dist/index.js": lines(900),
			"packages/shared/src/schema.generated.ts": lines(900),
			"bench/node_modules/pkg/index.ts": lines(900),
			"bench/tool/run.ts": lines(10),
		});
		const report = await checkStructure(root);
		expect(report.longFiles).toEqual([
			{ file: "packages/shared/src/long.test.ts", lines: 700 },
			{ file: "apps/web/src/long.ts", lines: 601 },
		]);
		expect(report.files).toContain("bench/tool/run.ts");
		expect(report.files.some((file) => file.includes("node_modules") || file.includes("dist"))).toBe(false);
	});

	it("reports import cycles, type-only ones and ones through route folders like [id] included", async () => {
		const root = fixture({
			"apps/web/src/app/[id]/page.ts": 'import { b } from "../../b";\nexport const a = b;\n',
			"apps/web/src/b.ts": 'import type { A } from "./c";\nexport const b = 1 as A;\n',
			"apps/web/src/c.ts": 'import { a } from "./app/[id]/page";\nexport type A = typeof a;\n',
			"apps/web/src/fine.ts": 'import { b } from "./b";\nexport const fine = b;\n',
		});
		const report = await checkStructure(root);
		expect(report.cycles).toEqual([
			["apps/web/src/app/[id]/page.ts", "apps/web/src/b.ts", "apps/web/src/c.ts"],
		]);
		expect(judge(report, { longFiles: [], cycles: [] }).failures).toEqual([
			"import cycle: apps/web/src/app/[id]/page.ts → apps/web/src/b.ts → apps/web/src/c.ts → apps/web/src/app/[id]/page.ts",
		]);
	});

	it("allows only the listed known violations and names stale entries", async () => {
		const root = fixture({
			"apps/gateway/src/known.ts": lines(700),
			"apps/gateway/src/new.ts": lines(650),
		});
		const verdict = judge(await checkStructure(root), {
			longFiles: ["apps/gateway/src/known.ts", "apps/gateway/src/gone.ts"],
			cycles: [],
		});
		expect(verdict.allowed).toEqual(["apps/gateway/src/known.ts: 700 lines (more than 600)"]);
		expect(verdict.failures).toEqual(["apps/gateway/src/new.ts: 650 lines (more than 600)"]);
		expect(verdict.stale).toEqual(["apps/gateway/src/gone.ts"]);
	});

	it("passes on this repository (besides the known violations)", { timeout: 60_000 }, async () => {
		const verdict = judge(await checkStructure(repositoryRoot), KNOWN_VIOLATIONS);
		expect(verdict.failures).toEqual([]);
	});
});
