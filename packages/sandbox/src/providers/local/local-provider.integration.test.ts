import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalSandboxProvider } from "./local-provider";

const root = mkdtempSync(join(tmpdir(), "local-provider-"));
const repoPath = join(root, "repo");
let provider: LocalSandboxProvider;
let hostServer: Server;
let hostServerUrl: string;
const stopped: { sandboxId: string; reason: string }[] = [];

function git(...args: string[]) {
	execFileSync("git", args, { cwd: repoPath, stdio: "ignore" });
}

beforeAll(async () => {
	execFileSync("mkdir", ["-p", repoPath]);
	git("init", "--quiet", "--initial-branch=main");
	writeFileSync(join(repoPath, "README.md"), "# demo\n");
	git("add", "-A");
	git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init");
	git("checkout", "--quiet", "-b", "feature");
	writeFileSync(join(repoPath, "feature.txt"), "on feature\n");
	git("add", "-A");
	git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "feature");
	git("checkout", "--quiet", "main");
	provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		onSandboxStopped: (sandboxId, reason) => stopped.push({ sandboxId, reason }),
	});
	hostServer = createServer((request, response) => response.end(`host saw ${request.method} ${request.url}`));
	await new Promise<void>((resolve) => hostServer.listen(0, "127.0.0.1", resolve));
	const address = hostServer.address();
	hostServerUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
	await provider?.shutdown();
	hostServer?.close();
	rmSync(root, { recursive: true, force: true });
});

describe("local provider", () => {
	it("clones the requested branch and runs commands in the workspace as an unprivileged user", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			repo: { url: repoPath, branch: "feature" },
		});
		try {
			const result = await provider.exec(
				sandbox.sandboxId,
				"pwd; id -u; git branch --show-current; cat feature.txt",
			);
			expect(result.stdout.split("\n")).toEqual([
				"/home/user/workspace",
				"1000",
				"feature",
				"on feature",
				"",
			]);
		} finally {
			await provider.terminate(sandbox.sandboxId);
		}
	});

	it("isolates the sandbox from the host's files, services and other sandboxes", async () => {
		const first = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			repo: { url: repoPath },
		});
		const second = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			repo: { url: repoPath },
		});
		try {
			await provider.exec(second.sandboxId, ["/bin/sh", "-c", "sleep 300 & echo started"]);
			const probe = await provider.exec(
				first.sandboxId,
				[
					"ls /root 2>&1 || true",
					`cat ${join(root, "repo", "README.md")} 2>&1 || true`,
					"cat /etc/shadow 2>&1 || true",
					"node -e \"const s=require('net').connect(5432,'127.0.0.1');s.on('connect',()=>{console.log('pg:open');process.exit()});s.on('error',e=>{console.log('pg:'+e.code)})\"",
					"node -e \"const s=require('net').connect(6379,'127.0.0.1');s.on('connect',()=>{console.log('redis:open');process.exit()});s.on('error',e=>{console.log('redis:'+e.code)})\"",
					"ps -eo comm= 2>/dev/null | grep -c sleep || true",
					"awk 'NR>2{print $1}' /proc/net/dev",
				].join("; "),
			);
			expect(probe.stdout).toContain("No such file or directory");
			expect(probe.stdout).not.toContain("# demo");
			expect(probe.stdout).toContain("pg:ECONNREFUSED");
			expect(probe.stdout).toContain("redis:ECONNREFUSED");
			expect(probe.stdout).not.toContain(":open");
			expect(probe.stdout).toMatch(/^0$/m);
			expect(probe.stdout.trim().split("\n").pop()).toBe("lo:");
		} finally {
			await provider.terminate(first.sandboxId);
			await provider.terminate(second.sandboxId);
		}
	});

	it("relays egress targets out and exposed ports in", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			egress: [{ name: "llm-proxy", url: `${hostServerUrl}/v1` }],
			processes: [
				{
					name: "web",
					command: [
						"/usr/bin/node",
						"-e",
						"require('http').createServer((q,s)=>s.end('inside '+q.url)).listen(3000,'127.0.0.1')",
					],
					port: 3000,
				},
			],
		});
		try {
			expect(sandbox.egress["llm-proxy"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
			const outbound = await provider.exec(
				sandbox.sandboxId,
				`node -e "fetch(process.env.PROLIFERATE_EGRESS_LLM_PROXY_URL + '/models').then(r=>r.text()).then(console.log)"`,
			);
			expect(outbound.stdout.trim()).toBe("host saw GET /v1/models");
			const portUrl = sandbox.ports[3000];
			expect(portUrl).toBeDefined();
			let body = "";
			for (let attempt = 0; attempt < 50 && !body; attempt++) {
				body = await fetch(`${portUrl}/hello`)
					.then((response) => response.text())
					.catch(() => "");
				if (!body) await new Promise((resolve) => setTimeout(resolve, 100));
			}
			expect(body).toBe("inside /hello");
		} finally {
			await provider.terminate(sandbox.sandboxId);
		}
	});

	it("reports failures, timeouts and terminated sandboxes as typed errors", async () => {
		const sandbox = await provider.createSandbox({ sessionId: null, organizationId: null });
		await expect(provider.exec(sandbox.sandboxId, "echo oops >&2; exit 3")).rejects.toMatchObject({
			code: "SANDBOX_COMMAND_FAILED",
			exitCode: 3,
			outputTail: expect.stringContaining("oops"),
		});
		const allowed = await provider.exec(sandbox.sandboxId, "exit 4", { allowFailure: true });
		expect(allowed.exitCode).toBe(4);
		await expect(provider.exec(sandbox.sandboxId, "sleep 30", { timeoutMs: 300 })).rejects.toMatchObject({
			code: "SANDBOX_COMMAND_TIMEOUT",
			timedOut: true,
		});
		await provider.exec(sandbox.sandboxId, ["/bin/sh", "-c", "sleep 301 >/dev/null 2>&1 &"]);
		await provider.terminate(sandbox.sandboxId);
		await expect(provider.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({ kind: "not_found" });
		const survivors = () =>
			execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
				.split("\n")
				.filter((line) => line.trim() === "sleep 301");
		for (let attempt = 0; attempt < 40 && survivors().length > 0; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		expect(survivors()).toEqual([]);
		await provider.terminate(sandbox.sandboxId);
	});

	it("snapshots and restores a workspace byte for byte, modes and git state included", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			repo: { url: repoPath },
		});
		await provider.exec(
			sandbox.sandboxId,
			[
				"echo changed >> README.md",
				"printf 'new\\n' > untracked.txt",
				"printf '#!/bin/sh\\necho run\\n' > tool.sh && chmod 755 tool.sh",
				"git add tool.sh",
				"head -c 100000 /dev/urandom > blob.bin",
			].join(" && "),
		);
		const before = await provider.exec(
			sandbox.sandboxId,
			"git status --porcelain; stat -c '%a %n' tool.sh; sha256sum README.md untracked.txt blob.bin tool.sh",
		);
		const snapshot = await provider.snapshot(sandbox.sandboxId);
		expect(snapshot.snapshotId).toMatch(/^[0-9a-f]{64}$/);
		await provider.terminate(sandbox.sandboxId);
		const restored = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			snapshotId: snapshot.snapshotId,
		});
		try {
			const after = await provider.exec(
				restored.sandboxId,
				"git status --porcelain; stat -c '%a %n' tool.sh; sha256sum README.md untracked.txt blob.bin tool.sh",
			);
			expect(after.stdout).toBe(before.stdout);
			expect(after.stdout).toContain("A  tool.sh");
		} finally {
			await provider.terminate(restored.sandboxId);
		}
	});

	it("pauses (snapshot + stop) and resumes with processes restarted", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [{ name: "ticker", command: ["/bin/sh", "-c", "while true; do sleep 1; done"] }],
		});
		await provider.writeFile(sandbox.sandboxId, "notes.txt", "keep me\n");
		await provider.pause(sandbox.sandboxId);
		expect((await provider.status(sandbox.sandboxId)).state).toBe("paused");
		await expect(provider.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({
			code: "SANDBOX_TERMINATED",
		});
		const resumed = await provider.resume(sandbox.sandboxId);
		try {
			expect(resumed.state).toBe("running");
			const result = await provider.exec(
				sandbox.sandboxId,
				"cat notes.txt; pgrep -c -f 'sleep 1' >/dev/null && echo ticking",
			);
			expect(result.stdout).toContain("keep me");
			expect(Buffer.from(await provider.readFile(sandbox.sandboxId, "notes.txt")).toString()).toBe(
				"keep me\n",
			);
		} finally {
			await provider.terminate(sandbox.sandboxId);
		}
	});

	it("expires a sandbox at the end of its lifetime and says why", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			lifetimeSeconds: 1,
		});
		expect(sandbox.expiresAt?.getTime()).toBeGreaterThan(Date.now() - 1000);
		for (
			let attempt = 0;
			attempt < 100 && !stopped.some((entry) => entry.sandboxId === sandbox.sandboxId);
			attempt++
		) {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const status = await provider.status(sandbox.sandboxId);
		expect(status.state).toBe("failed");
		expect(status.reason).toMatch(/lifetime/);
		await provider.terminate(sandbox.sandboxId);
	});

	it("refuses paths outside the sandbox and unknown sandboxes", async () => {
		const sandbox = await provider.createSandbox({ sessionId: null, organizationId: null });
		try {
			await expect(provider.writeFile(sandbox.sandboxId, "../../../../etc/evil", "x")).rejects.toMatchObject({
				code: "SANDBOX_PROVIDER_ERROR",
			});
			await expect(provider.exec("sbx_doesnotexist", "true")).rejects.toMatchObject({ kind: "not_found" });
			await expect(provider.exec("../../etc", "true")).rejects.toMatchObject({ kind: "not_found" });
			await provider.terminate("sbx_doesnotexist");
		} finally {
			await provider.terminate(sandbox.sandboxId);
		}
	});
});
