import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeModalServer, startFakeModalServer } from "../../testing/fake-modal-server";
import { createFixtureRepo } from "../../testing/git-fixture";
import { ModalSandboxProvider } from "./modal-provider";

const root = mkdtempSync(join(tmpdir(), "modal-grpc-"));
let fake: FakeModalServer;
let repo: string;

function provider(overrides: Partial<ConstructorParameters<typeof ModalSandboxProvider>[0]> = {}) {
	return new ModalSandboxProvider({
		appName: "proliferate-sandbox",
		imageId: fake.baseImageId,
		tokenId: fake.tokenId,
		tokenSecret: fake.tokenSecret,
		retryDelayMs: 5,
		...overrides,
	});
}

const count = (method: string) => fake.calls.filter((call) => call === method).length;

beforeAll(async () => {
	repo = createFixtureRepo(root);
	fake = await startFakeModalServer({ root: join(root, "cloud") });
	// The SDK reads its endpoint and config file from the environment.
	process.env.MODAL_SERVER_URL = fake.url;
	process.env.MODAL_CONFIG_PATH = join(root, "no-modal.toml");
});

afterAll(async () => {
	await fake.close();
	rmSync(root, { recursive: true, force: true });
});

describe("Modal provider: the real ModalClient over gRPC", () => {
	it("creates a named sandbox with env, tags and resources through SandboxCreateV2", async () => {
		const sandbox = await provider().createSandbox({
			sessionId: "s1",
			organizationId: "o1",
			env: { GREETING: "hello modal" },
			repo: { url: repo },
		});
		const record = [...fake.machine.sandboxes.values()].find(
			(candidate) => candidate.name === sandbox.sandboxId,
		);
		expect(record?.metadata).toEqual({ sessionId: "s1", organizationId: "o1" });
		expect((await provider().exec(sandbox.sandboxId, "echo $GREETING; cat README.md")).stdout).toBe(
			"hello modal\n# fixture\n",
		);
		expect(count("sandboxCreateV2")).toBeGreaterThanOrEqual(1);
		expect(count("taskExecStart")).toBeGreaterThanOrEqual(1);
	});

	it("rejects a wrong token without retrying it into the ground", async () => {
		const error = await provider({ tokenId: "ak-wrong", tokenSecret: "as-wrong" })
			.createSandbox({ sessionId: null, organizationId: null })
			.catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: "SANDBOX_PROVIDER_ERROR" });
		expect((error as Error).message).toContain("Modal rejected the token");
		expect((await provider({ tokenId: "ak-wrong", tokenSecret: "as-wrong" }).health()).healthy).toBe(false);
	});

	it("retries UNAVAILABLE on sandbox creation", async () => {
		const before = count("sandboxCreateV2");
		fake.failNext("sandboxCreateV2", 14, 2);
		const sandbox = await provider().createSandbox({ sessionId: null, organizationId: null });
		expect(count("sandboxCreateV2") - before).toBe(3);
		expect((await provider().status(sandbox.sandboxId)).state).toBe("running");
	});

	it("stops a command at its deadline and reports a timeout", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null });
		await expect(modal.exec(sandbox.sandboxId, "sleep 20", { timeoutMs: 1500 })).rejects.toMatchObject({
			code: "SANDBOX_COMMAND_TIMEOUT",
		});
		await expect(modal.exec(sandbox.sandboxId, "exit 4")).rejects.toMatchObject({ exitCode: 4 });
		expect((await modal.exec(sandbox.sandboxId, "cat", { stdin: "through stdin" })).stdout).toBe(
			"through stdin",
		);
	});

	it("pauses (filesystem snapshot + terminate) and resumes under the same name", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [{ name: "ticker", command: ["sleep", "300"] }],
		});
		await modal.writeFile(sandbox.sandboxId, "state.txt", "before pause\n");
		const snapshot = await modal.pause(sandbox.sandboxId);
		expect(count("taskSnapshotFilesystem")).toBeGreaterThanOrEqual(1);
		expect(count("sandboxTerminateV2")).toBeGreaterThanOrEqual(1);
		const resumed = await provider().resume(sandbox.sandboxId, { snapshotId: snapshot.snapshotId });
		expect(resumed.sandboxId).toBe(sandbox.sandboxId);
		const fresh = provider();
		expect((await fresh.exec(sandbox.sandboxId, "cat state.txt")).stdout).toBe("before pause\n");
		expect(
			(await fresh.exec(sandbox.sandboxId, "kill -0 $(cat ~/.proliferate/run/ticker.pid) && echo alive"))
				.stdout,
		).toBe("alive\n");
	});

	it("reports a terminated sandbox as gone and terminates idempotently", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null });
		await modal.terminate(sandbox.sandboxId);
		await modal.terminate(sandbox.sandboxId);
		await expect(provider().exec(sandbox.sandboxId, "true")).rejects.toMatchObject({
			code: "SANDBOX_NOT_FOUND",
		});
		await expect(provider().status(sandbox.sandboxId)).rejects.toMatchObject({ code: "SANDBOX_NOT_FOUND" });
	});

	it("resolves declared ports to their tunnels", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [
				{
					name: "server",
					port: 18126,
					command: [
						"/usr/bin/node",
						"-e",
						"require('http').createServer((q,s)=>s.end('tunnel ok')).listen(18126,'127.0.0.1')",
					],
				},
			],
		});
		const url = await modal.resolvePortUrl(sandbox.sandboxId, 18126);
		expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(sandbox.ports[18126]).toBe(url);
		// The fake's tunnel speaks plain TCP where Modal's terminates TLS.
		let body = "";
		for (let attempt = 0; attempt < 50 && body !== "tunnel ok"; attempt++) {
			body = await fetch(url.replace("https://", "http://"))
				.then((response) => response.text())
				.catch(() => "");
			if (body !== "tunnel ok") await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(body).toBe("tunnel ok");
		await expect(modal.resolvePortUrl(sandbox.sandboxId, 3000)).rejects.toMatchObject({
			code: "SANDBOX_PORT_NOT_EXPOSED",
		});
	});

	it("only needed RPCs the fake serves", () => {
		expect(fake.unimplemented).toEqual([]);
	});
});
