import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectCgroups } from "./cgroups";
import { LocalSandboxProvider } from "./local-provider";

const root = mkdtempSync(join(tmpdir(), "resource-limits-"));
const host = detectCgroups();
let provider: LocalSandboxProvider;
const stopped = new Map<string, string>();

async function stoppedReason(sandboxId: string, timeoutMs = 30_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const reason = stopped.get(sandboxId);
		if (reason) return reason;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`sandbox ${sandboxId} was not stopped within ${timeoutMs} ms`);
}

function groupDirectory(controller: "memory" | "pids" | "cpu", sandboxId: string): string {
	if (!host) throw new Error("no cgroups");
	if (host.version === 2) return join(host.base, "proliferate", sandboxId);
	return join(host.bases[controller] ?? "", "proliferate", sandboxId);
}

beforeAll(() => {
	provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		onSandboxStopped: (sandboxId, reason) => stopped.set(sandboxId, reason),
	});
});

afterAll(async () => {
	await provider?.shutdown();
	rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!host)("resource limits through cgroups", () => {
	it("puts every sandbox process in its group with the configured CPU share, and removes the group on terminate", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { cpuShares: 512, maxProcesses: 200 },
		});
		const cpu = groupDirectory("cpu", sandbox.sandboxId);
		const pids = groupDirectory("pids", sandbox.sandboxId);
		expect(readFileSync(join(cpu, host?.version === 2 ? "cpu.weight" : "cpu.shares"), "utf8").trim()).toBe(
			host?.version === 2 ? "20" : "512",
		);
		expect(readFileSync(join(pids, "pids.max"), "utf8").trim()).toBe("200");
		const result = await provider.exec(sandbox.sandboxId, ["sh", "-c", "sleep 30 & echo started"]);
		expect(result.stdout.trim()).toBe("started");
		const members = readFileSync(join(pids, "cgroup.procs"), "utf8").trim().split("\n").filter(Boolean);
		expect(members.length).toBeGreaterThanOrEqual(3);
		expect((await provider.health()).message).toContain(`cgroup v${host?.version}`);
		await provider.terminate(sandbox.sandboxId);
		const deadline = Date.now() + 5000;
		while (existsSync(pids) && Date.now() < deadline)
			await new Promise((resolve) => setTimeout(resolve, 100));
		expect(existsSync(pids)).toBe(false);
	});

	it("stops a sandbox that exceeds its memory limit, with the reason, and leaves the host alone", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { memoryMb: 192 },
		});
		const hog = await provider
			.exec(
				sandbox.sandboxId,
				["node", "-e", "const keep = []; for (;;) keep.push(Buffer.alloc(8 * 1024 * 1024, 1));"],
				{ allowFailure: true, timeoutMs: 30_000 },
			)
			.catch((error: Error) => ({ exitCode: -1, stdout: "", stderr: error.message }));
		expect(hog.exitCode).not.toBe(0);
		const reason = await stoppedReason(sandbox.sandboxId);
		expect(reason).toBe("the sandbox exceeded its memory limit (192 MB): the kernel killed a process");
		expect(await provider.status(sandbox.sandboxId)).toMatchObject({ state: "failed", reason });
		await provider.terminate(sandbox.sandboxId);
	});

	it("stops a sandbox that exceeds its process limit", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { maxProcesses: 40 },
		});
		await provider
			.exec(sandbox.sandboxId, ["sh", "-c", "for i in $(seq 1 80); do sleep 20 & done; wait"], {
				allowFailure: true,
				timeoutMs: 10_000,
			})
			.catch(() => undefined);
		expect(await stoppedReason(sandbox.sandboxId)).toBe(
			"the sandbox exceeded its process limit (40 processes)",
		);
		await provider.terminate(sandbox.sandboxId);
	});
});

describe("disk limit", () => {
	it("stops a sandbox whose files outgrow its disk limit", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { diskMb: 8 },
		});
		await provider.exec(sandbox.sandboxId, ["sh", "-c", "head -c 24000000 /dev/urandom > big.bin"]);
		const reason = await stoppedReason(sandbox.sandboxId, 30_000);
		expect(reason).toMatch(/^the sandbox exceeded its disk limit \(8 MB\): it uses 2\d MB$/);
		await provider.terminate(sandbox.sandboxId);
	});
});
