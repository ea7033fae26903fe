import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const directory = mkdtempSync(join(tmpdir(), "process-guard-"));
const indexPath = join(import.meta.dirname, "index.ts");

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs a script using the guard in a real child process (tsx), returning its exit code and log lines. */
function run(body: string): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
	const script = join(directory, `script-${Math.random().toString(36).slice(2)}.ts`);
	writeFileSync(
		script,
		`import { createLogger, installProcessGuard } from ${JSON.stringify(indexPath)};\nconst logger = createLogger({ service: "guarded" });\n${body}\n`,
	);
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ["--import", "tsx", script], {
			cwd: join(import.meta.dirname, ".."),
			stdio: ["ignore", "pipe", "pipe"],
		});
		let output = "";
		child.stdout.on("data", (chunk) => {
			output += String(chunk);
		});
		child.on("exit", (code) => {
			const lines = output
				.split("\n")
				.filter((line) => line.startsWith("{"))
				.map((line) => JSON.parse(line) as Record<string, unknown>);
			resolve({ code, lines });
		});
	});
}

describe("installProcessGuard", () => {
	it("logs an uncaught exception with its context, then exits 1", async () => {
		const { code, lines } = await run(
			`installProcessGuard(logger);\nsetTimeout(() => { throw new Error("boom from a timer"); }, 10);`,
		);
		expect(code).toBe(1);
		expect(lines.at(-1)).toMatchObject({
			level: 60,
			service: "guarded",
			msg: "uncaught exception",
			origin: "uncaughtException",
			err: { message: "boom from a timer" },
		});
	});

	it("logs an unhandled rejection and keeps the process running", async () => {
		const { code, lines } = await run(
			`installProcessGuard(logger);\nvoid Promise.reject(new Error("nobody caught me"));\nsetTimeout(() => { logger.info("still alive"); }, 100);`,
		);
		expect(code).toBe(0);
		expect(lines.map((line) => line.msg)).toEqual(["unhandled promise rejection", "still alive"]);
		expect(lines[0]).toMatchObject({ level: 50, err: { message: "nobody caught me" } });
	});
});
