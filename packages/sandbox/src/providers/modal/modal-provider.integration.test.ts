import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeModal, type FakeModal } from "../../testing/fake-modal-client";
import { createFixtureRepo } from "../../testing/git-fixture";
import { ModalSandboxProvider } from "./modal-provider";

const root = mkdtempSync(join(tmpdir(), "modal-provider-"));
let fake: FakeModal;
let repo: string;

function provider(overrides: Partial<ConstructorParameters<typeof ModalSandboxProvider>[0]> = {}) {
	return new ModalSandboxProvider({
		appName: "proliferate-sandbox",
		imageId: fake.baseImageId,
		client: fake.client,
		retryDelayMs: 5,
		...overrides,
	});
}

const count = (method: string) => fake.calls.filter((call) => call === method).length;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

beforeAll(() => {
	repo = createFixtureRepo(root);
	fake = createFakeModal(join(root, "cloud"));
});

afterAll(async () => {
	await fake.close();
	rmSync(root, { recursive: true, force: true });
});

describe("Modal provider at the SDK boundary", () => {
	it("validates credentials and image configuration before any call", () => {
		expect(() => new ModalSandboxProvider({ appName: "a", imageId: "im-1" })).toThrow(/MODAL_TOKEN_ID/);
		expect(
			() =>
				new ModalSandboxProvider({ appName: "a", imageId: "im-1", tokenId: "wrong", tokenSecret: "as-x" }),
		).toThrow(/ak-/);
		expect(() => provider({ imageId: undefined })).toThrow(/MODAL_IMAGE/);
	});

	it("retries UNAVAILABLE from the control plane", async () => {
		const before = count("sandboxes.create");
		fake.failNext("sandboxes.create", UNAVAILABLE, 2);
		const sandbox = await provider().createSandbox({ sessionId: "s1", organizationId: "o1" });
		expect(count("sandboxes.create") - before).toBe(3);
		expect(sandbox.sandboxId).toMatch(/^sbx-/);
		const record = [...fake.machine.sandboxes.values()].find(
			(candidate) => candidate.name === sandbox.sandboxId,
		);
		expect(record?.metadata).toEqual({ sessionId: "s1", organizationId: "o1" });
	});

	it("does not retry UNAUTHENTICATED and reports it", async () => {
		const before = count("sandboxes.create");
		fake.failNext("sandboxes.create", UNAUTHENTICATED, 1);
		const error = await provider()
			.createSandbox({ sessionId: null, organizationId: null })
			.catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: "SANDBOX_PROVIDER_ERROR" });
		expect((error as Error).message).toContain("Modal rejected the token");
		expect(count("sandboxes.create") - before).toBe(1);
	});

	it("maps an unknown snapshot image and unknown sandboxes to typed errors", async () => {
		const modal = provider();
		await expect(
			modal.createSandbox({ sessionId: null, organizationId: null, snapshotId: "im-doesnotexist" }),
		).rejects.toMatchObject({ kind: "not_found" });
		await expect(modal.exec("sbx-unknown", "true")).rejects.toMatchObject({ code: "SANDBOX_NOT_FOUND" });
		await expect(modal.status("sbx-unknown")).rejects.toMatchObject({ code: "SANDBOX_NOT_FOUND" });
		await modal.terminate("sbx-unknown");
	});

	it("round-trips binary files through exec and refuses missing ones", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null });
		const bytes = new Uint8Array(256).map((_, index) => index);
		await modal.writeFile(sandbox.sandboxId, "/home/user/bin/data.bin", bytes);
		expect(Buffer.from(await modal.readFile(sandbox.sandboxId, "/home/user/bin/data.bin"))).toEqual(
			Buffer.from(bytes),
		);
		await expect(modal.readFile(sandbox.sandboxId, "missing.txt")).rejects.toMatchObject({
			code: "SANDBOX_FILE_NOT_FOUND",
		});
		await expect(modal.writeFile(sandbox.sandboxId, "/etc/passwd", "x")).rejects.toMatchObject({
			kind: "invalid_input",
		});
	});

	it("pauses by snapshot + terminate and resumes under the same id from that image", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({
			sessionId: null,
			organizationId: null,
			repo: { url: repo },
			processes: [{ name: "ticker", command: ["sleep", "300"] }],
		});
		await modal.exec(sandbox.sandboxId, "echo work > notes.txt");
		const snapshot = await modal.pause(sandbox.sandboxId);
		expect(snapshot.snapshotId).toMatch(/^im-/);
		expect((await modal.status(sandbox.sandboxId)).state).toBe("paused");
		await expect(modal.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({ code: "SANDBOX_PAUSED" });
		// A fresh provider (gateway restart) resumes from the snapshot the caller recorded.
		const fresh = provider();
		const resumed = await fresh.resume(sandbox.sandboxId, { snapshotId: snapshot.snapshotId });
		expect(resumed.sandboxId).toBe(sandbox.sandboxId);
		expect((await fresh.exec(sandbox.sandboxId, "cat notes.txt")).stdout).toBe("work\n");
		expect(
			(await fresh.exec(sandbox.sandboxId, "kill -0 $(cat ~/.proliferate/run/ticker.pid) && echo alive"))
				.stdout,
		).toBe("alive\n");
		await expect(provider().resume("sbx-never-paused")).rejects.toMatchObject({
			code: "SANDBOX_PROVIDER_ERROR",
		});
	});

	it("restores a paused sandbox from the recorded snapshot when a fresh provider ensures it", async () => {
		// The gateway's boot after a restart: ensureSandbox with the paused sandbox and the session's snapshot.
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null });
		await modal.exec(sandbox.sandboxId, "echo kept > kept.txt");
		const snapshot = await modal.pause(sandbox.sandboxId);
		const restored = await provider().ensureSandbox({
			sessionId: null,
			organizationId: null,
			sandboxId: sandbox.sandboxId,
			snapshotId: snapshot.snapshotId,
		});
		expect((await provider().exec(restored.sandboxId, "cat kept.txt")).stdout).toBe("kept\n");
		// Without the snapshot, a fresh provider could only start an empty sandbox.
		const paused = await provider().createSandbox({ sessionId: null, organizationId: null });
		await provider().exec(paused.sandboxId, "echo lost > lost.txt");
		await provider().pause(paused.sandboxId);
		const empty = await provider().ensureSandbox({
			sessionId: null,
			organizationId: null,
			sandboxId: paused.sandboxId,
		});
		expect(
			(await provider().exec(empty.sandboxId, "cat lost.txt", { allowFailure: true })).exitCode,
		).not.toBe(0);
	});

	it("recovers a live sandbox by name from a fresh provider", async () => {
		const sandbox = await provider().createSandbox({ sessionId: null, organizationId: null });
		const recovered = await provider().ensureSandbox({
			sessionId: null,
			organizationId: null,
			sandboxId: sandbox.sandboxId,
		});
		expect(recovered).toMatchObject({ sandboxId: sandbox.sandboxId, recovered: true });
		const replaced = await provider().ensureSandbox({
			sessionId: null,
			organizationId: null,
			sandboxId: "sbx-gone",
		});
		expect(replaced.recovered).toBe(false);
		expect(replaced.sandboxId).not.toBe("sbx-gone");
	});

	it("reports a sandbox terminated under a running command as terminated", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null });
		const running = modal.exec(sandbox.sandboxId, "touch started && sleep 30", { timeoutMs: 20_000 });
		running.catch(() => {});
		// Wait until the command really runs, so the kill lands under it.
		for (let attempt = 0; attempt < 100; attempt++) {
			const started = await modal.readFile(sandbox.sandboxId, "started").then(
				() => true,
				() => false,
			);
			if (started) break;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		await (await fake.client.sandboxes.fromName("proliferate-sandbox", sandbox.sandboxId)).terminate();
		await expect(running).rejects.toMatchObject({ code: "SANDBOX_TERMINATED" });
	});

	it("exposes only ports declared at creation", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null });
		await expect(modal.resolvePortUrl(sandbox.sandboxId, 3000)).rejects.toMatchObject({
			code: "SANDBOX_PORT_NOT_EXPOSED",
		});
	});

	it("reports an expired sandbox as gone", async () => {
		const modal = provider();
		const sandbox = await modal.createSandbox({ sessionId: null, organizationId: null, lifetimeSeconds: 1 });
		await new Promise((resolve) => setTimeout(resolve, 1100));
		await expect(modal.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({ kind: "not_found" });
	});
});
