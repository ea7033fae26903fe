import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectCgroups } from "./cgroups";
import { LocalSandboxProvider } from "./local-provider";

const root = mkdtempSync(join(tmpdir(), "resource-limits-"));
const stopped: { sandboxId: string; reason: string }[] = [];
let provider: LocalSandboxProvider;
const cgroups = detectCgroups();

async function waitForStop(sandboxId: string) {
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		const status = await provider.status(sandboxId);
		if (status.state === "failed") return status;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error("the sandbox was not stopped");
}

beforeAll(() => {
	provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		resources: { cpuShares: 256 },
		onSandboxStopped: (sandboxId, reason) => stopped.push({ sandboxId, reason }),
	});
});

afterAll(async () => {
	await provider?.shutdown();
	for (const meta of provider?.sandboxMetas() ?? []) await provider.terminate(meta.sandboxId);
	rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!cgroups)("resource limits through cgroups", () => {
	it("applies the provider's default CPU share and a sandbox's own limits", async () => {
		const plain = await provider.createSandbox({ sessionId: null, organizationId: null });
		const custom = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { cpuShares: 512, memoryMb: 256, maxProcesses: 200 },
		});
		expect(provider.resourceUsage(plain.sandboxId)).toMatchObject({ cpuShares: 256, memoryLimitBytes: null });
		await provider.exec(custom.sandboxId, "sleep 0.2 & sleep 0.2 & wait");
		const usage = provider.resourceUsage(custom.sandboxId);
		expect(usage).toMatchObject({ cpuShares: 512, memoryLimitBytes: 256 * 1024 * 1024, processLimit: 200 });
		// The supervisor (and everything it starts) is inside the groups.
		expect(usage?.processes).toBeGreaterThan(0);
		expect(usage?.memoryBytes).toBeGreaterThan(1024 * 1024);
		await provider.terminate(plain.sandboxId);
		await provider.terminate(custom.sandboxId);
	});

	it("stops a sandbox that exceeds its memory limit, with the reason, and not the host", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { memoryMb: 128 },
		});
		await provider
			.exec(
				sandbox.sandboxId,
				["/usr/bin/node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));"],
				{
					allowFailure: true,
					timeoutMs: 30_000,
				},
			)
			.catch(() => {});
		const status = await waitForStop(sandbox.sandboxId);
		expect(status.reason).toBe("the sandbox exceeded its memory limit (128 MB)");
		expect(status.stopKind).toBe("memory_limit");
		expect(stopped).toContainEqual({ sandboxId: sandbox.sandboxId, reason: status.reason });
		await expect(provider.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({
			name: "SandboxTerminatedError",
		});
		// The host and other sandboxes carry on.
		const other = await provider.createSandbox({ sessionId: null, organizationId: null });
		expect((await provider.exec(other.sandboxId, "echo alive")).stdout).toBe("alive\n");
		await provider.terminate(other.sandboxId);
	});

	it("stops a sandbox that tries to run more processes than allowed", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { maxProcesses: 40 },
		});
		await provider
			.exec(sandbox.sandboxId, "for i in $(seq 80); do sleep 30 & done; wait", {
				allowFailure: true,
				timeoutMs: 30_000,
			})
			.catch(() => {});
		const status = await waitForStop(sandbox.sandboxId);
		expect(status.reason).toBe("the sandbox exceeded its process limit (40 processes)");
		expect(status.stopKind).toBe("process_limit");
		expect(stopped).toContainEqual({ sandboxId: sandbox.sandboxId, reason: status.reason });
	});

	it("removes a sandbox's groups when it ends", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { maxProcesses: 100 },
		});
		const host = cgroups?.version === 1 ? cgroups.pids : cgroups?.base;
		const directory = join(host ?? "", sandbox.sandboxId);
		expect(existsSync(directory)).toBe(true);
		await provider.terminate(sandbox.sandboxId);
		const deadline = Date.now() + 5000;
		while (existsSync(directory) && Date.now() < deadline)
			await new Promise((resolve) => setTimeout(resolve, 100));
		expect(existsSync(directory)).toBe(false);
	});
});

describe("disk limit", () => {
	it("stops a sandbox whose files outgrow its disk limit, with the reason", async () => {
		const sandbox = await provider.createSandbox({
			sessionId: null,
			organizationId: null,
			resources: { diskMb: 8 },
		});
		await provider.exec(sandbox.sandboxId, ["sh", "-c", "head -c 24000000 /dev/urandom > big.bin"]);
		await waitForStop(sandbox.sandboxId);
		const status = await provider.status(sandbox.sandboxId);
		expect(status.state).toBe("failed");
		expect(status.reason).toMatch(/^the sandbox exceeded its disk limit \(8 MB\): it uses 2\d MB$/);
		expect(status.stopKind).toBe("disk_limit");
		expect(stopped.find((entry) => entry.sandboxId === sandbox.sandboxId)?.reason).toBe(status.reason);
		await provider.terminate(sandbox.sandboxId);
	}, 40_000);
});
