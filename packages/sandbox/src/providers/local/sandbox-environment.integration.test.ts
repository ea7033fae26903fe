import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalSandboxProvider } from "./local-provider";

/** What a gateway's environment holds; set where the provider spawns sandboxes, as in production. */
const platformSecrets = {
	AUTH_SECRET: `auth-${randomBytes(12).toString("hex")}`,
	GATEWAY_JWT_SECRET: `jwt-${randomBytes(12).toString("hex")}`,
	SERVICE_TO_SERVICE_SECRET: `s2s-${randomBytes(12).toString("hex")}`,
	LLM_PROXY_ADMIN_SECRET: `llmadmin-${randomBytes(12).toString("hex")}`,
	SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
	DATABASE_URL: `postgres://platform:${randomBytes(8).toString("hex")}@127.0.0.1:5432/proliferate`,
};
const processSecret = `process-env-${randomBytes(12).toString("hex")}`;
const stdinSecret = `stdin-${randomBytes(12).toString("hex")}`;

const root = mkdtempSync(join(tmpdir(), "sandbox-env-"));
let provider: LocalSandboxProvider;
const saved: Record<string, string | undefined> = {};

/** Lists every process the sandbox user can see: pid, argv and environment (as /proc shows them). */
const listProcesses = `
const fs = require("node:fs");
const out = [];
for (const pid of fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name))) {
	const read = (file) => { try { return fs.readFileSync("/proc/" + pid + "/" + file).toString().split("\\0").filter(Boolean); } catch (error) { return ["<unreadable " + error.code + ">"]; } };
	out.push({ pid: Number(pid), cmdline: read("cmdline"), environ: read("environ") });
}
process.stdout.write(JSON.stringify(out));
`;

interface VisibleProcess {
	pid: number;
	cmdline: string[];
	environ: string[];
}

beforeAll(() => {
	for (const [key, value] of Object.entries(platformSecrets)) {
		saved[key] = process.env[key];
		process.env[key] = value;
	}
	provider = new LocalSandboxProvider({ dataDirectory: join(root, "data") });
});

afterAll(async () => {
	await provider?.shutdown();
	for (const [key, value] of Object.entries(saved)) {
		if (value === undefined) delete process.env[key];
		else process.env[key] = value;
	}
	rmSync(root, { recursive: true, force: true });
});

describe("what a local sandbox's processes can read", () => {
	it("no process sees a platform secret; the supervisor holds no process's credentials; a stdin credential stays out of every environment", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			env: { SANDBOX_WIDE: "visible-to-processes" },
			processes: [
				{
					name: "holder",
					command: [
						"/usr/bin/node",
						"-e",
						"let t='';process.stdin.on('data',d=>{t+=d}).on('end',()=>{require('fs').writeFileSync('/home/user/received.txt',t);setInterval(()=>{},1000)})",
					],
					env: { HOLDER_CREDENTIAL: processSecret },
					stdin: stdinSecret,
				},
			],
		});
		try {
			await waitForFile(provider, sandbox.sandboxId, "/home/user/received.txt");
			expect(
				Buffer.from(await provider.readFile(sandbox.sandboxId, "/home/user/received.txt")).toString(),
			).toBe(stdinSecret);
			const result = await provider.exec(sandbox.sandboxId, ["/usr/bin/node", "-e", listProcesses]);
			const processes = JSON.parse(result.stdout) as VisibleProcess[];
			// bubblewrap (PID 1), the supervisor, the holder and this command at least.
			expect(processes.length).toBeGreaterThanOrEqual(4);
			for (const visible of processes) {
				const text = [...visible.cmdline, ...visible.environ].join("\n");
				for (const [key, value] of Object.entries(platformSecrets)) {
					expect(text, `pid ${visible.pid} (${visible.cmdline.join(" ")}) shows ${key}`).not.toContain(value);
					expect(visible.environ.some((entry) => entry.startsWith(`${key}=`))).toBe(false);
				}
				expect(text, `pid ${visible.pid} shows the stdin credential`).not.toContain(stdinSecret);
			}
			const bubblewrap = processes.find((visible) => visible.pid === 1);
			expect(bubblewrap?.environ).toEqual(["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"]);
			// node running the supervisor script (bubblewrap's own command line names the script too).
			const supervisor = processes.find(
				(visible) => visible.pid !== 1 && visible.cmdline[1]?.endsWith("/sandbox-init.mjs") === true,
			);
			expect(supervisor).toBeDefined();
			const supervisorText = supervisor?.environ.join("\n") ?? "";
			expect(supervisorText).not.toContain(processSecret);
			expect(supervisorText).not.toContain("SANDBOX_WIDE");
			// The holder does get its own variable (and the sandbox-wide one): only it.
			const holder = processes.find((visible) =>
				visible.environ.includes(`HOLDER_CREDENTIAL=${processSecret}`),
			);
			expect(holder?.environ).toContain("SANDBOX_WIDE=visible-to-processes");
			const withCredential = processes.filter((visible) =>
				visible.environ.join("\n").includes(processSecret),
			);
			expect(withCredential.map((visible) => visible.pid)).toEqual([holder?.pid]);
		} finally {
			await provider.terminate(sandbox.sandboxId);
		}
	});
});

async function waitForFile(target: LocalSandboxProvider, sandboxId: string, path: string): Promise<void> {
	for (let attempt = 0; attempt < 100; attempt++) {
		const check = await target.exec(sandboxId, ["/bin/sh", "-c", `test -s ${path}`], { allowFailure: true });
		if (check.exitCode === 0) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`${path} never appeared in the sandbox`);
}
