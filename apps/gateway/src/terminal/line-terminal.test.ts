import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LineTerminal } from "./line-terminal";

const root = mkdtempSync(join(tmpdir(), "line-terminal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A terminal running its commands in a real local bash, collecting what it writes. */
function createTerminal() {
	let output = "";
	const terminal = new LineTerminal({
		run: (script) =>
			new Promise((resolve) => {
				execFile("/bin/bash", ["-c", script], (error, stdout, stderr) =>
					resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
				);
			}),
		write: (text) => {
			output += text;
		},
		initialDirectory: root,
	});
	return { terminal, output: () => output };
}

describe("LineTerminal", () => {
	it("echoes keystrokes, runs the line on Enter and prints its output with CRLF", async () => {
		const { terminal, output } = createTerminal();
		await terminal.input("echo one; echo two\r");
		expect(output()).toContain("echo one; echo two\r\n");
		expect(output()).toContain("one\r\ntwo\r\n");
		expect(output()).not.toContain("\u001e");
	});

	it("keeps the working directory across commands", async () => {
		const { terminal, output } = createTerminal();
		await terminal.input("mkdir -p sub && cd sub\r");
		expect(terminal.workingDirectory).toBe(join(root, "sub"));
		await terminal.input("pwd\r");
		expect(output()).toContain(`${join(root, "sub")}\r\n`);
	});

	it("handles backspace, Ctrl-U and Ctrl-C without running anything", async () => {
		const { terminal, output } = createTerminal();
		await terminal.input("echo abX\u007fc\r");
		expect(output()).toContain("abc\r\n");
		await terminal.input("touch never\u0003");
		await terminal.input("rm -rf x\u0015ls never\r");
		expect(output()).toContain("^C");
		expect(output()).toMatch(/No such file/);
	});

	it("prints stderr and survives failing commands", async () => {
		const { terminal, output } = createTerminal();
		await terminal.input("ls /definitely-missing; echo after\r");
		expect(output()).toMatch(/definitely-missing/);
		expect(output()).toContain("after\r\n");
	});
});
