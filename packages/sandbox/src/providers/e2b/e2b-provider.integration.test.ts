import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeE2bServer, startFakeE2bServer } from "../../testing/fake-e2b-server";
import { createFixtureRepo } from "../../testing/git-fixture";
import { E2BSandboxProvider } from "./e2b-provider";

const root = mkdtempSync(join(tmpdir(), "e2b-provider-"));
let fake: FakeE2bServer;
let repo: string;

function provider(overrides: Partial<ConstructorParameters<typeof E2BSandboxProvider>[0]> = {}) {
	return new E2BSandboxProvider({
		apiKey: fake.apiKey,
		template: "proliferate",
		apiUrl: fake.url,
		sandboxUrl: fake.url,
		portUrlTemplate: `${fake.url}/port/{sandboxId}/{port}`,
		retryDelayMs: 5,
		...overrides,
	});
}

const count = (key: string) => fake.requests.filter((request) => request === key).length;

beforeAll(async () => {
	repo = createFixtureRepo(root);
	fake = await startFakeE2bServer({ root: join(root, "cloud"), templates: ["proliferate"] });
});

afterAll(async () => {
	await fake.close();
	rmSync(root, { recursive: true, force: true });
});

describe("E2B provider against the protocol fake", () => {
	it("retries a busy control plane and then creates the sandbox", async () => {
		const before = count("POST /v2/sandboxes");
		fake.failNext(/^POST \/v2\/sandboxes$/, 503, 2);
		const sandbox = await provider().createSandbox({ sessionId: "s1", organizationId: "o1" });
		expect(count("POST /v2/sandboxes") - before).toBe(3);
		expect(sandbox.state).toBe("running");
		expect(fake.machine.sandboxes.get(sandbox.sandboxId)?.metadata).toEqual({
			sessionId: "s1",
			organizationId: "o1",
		});
	});

	it("gives up after the retries with a typed provider error", async () => {
		const before = count("POST /v2/sandboxes");
		fake.failNext(/^POST \/v2\/sandboxes$/, 500, 3);
		await expect(
			provider({ retries: 2 }).createSandbox({ sessionId: null, organizationId: null }),
		).rejects.toMatchObject({ code: "SANDBOX_PROVIDER_ERROR", kind: "unavailable" });
		expect(count("POST /v2/sandboxes") - before).toBe(3);
	});

	it("does not retry a rejected API key and says so", async () => {
		const before = count("POST /v2/sandboxes");
		const error = await provider({ apiKey: "e2b_wrong" })
			.createSandbox({ sessionId: null, organizationId: null })
			.catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: "SANDBOX_PROVIDER_ERROR" });
		expect(String((error as Error).message)).toContain("rejected the API key");
		expect(count("POST /v2/sandboxes") - before).toBe(1);
		expect((await provider({ apiKey: "e2b_wrong" }).health()).healthy).toBe(false);
	});

	it("refuses an unknown template with a typed error", async () => {
		await expect(
			provider({ template: "missing" }).createSandbox({ sessionId: null, organizationId: null }),
		).rejects.toMatchObject({ code: "SANDBOX_PROVIDER_ERROR" });
	});

	it("maps missing files, escaping paths and unknown sandboxes", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({ sessionId: null, organizationId: null });
		await expect(e2b.readFile(sandbox.sandboxId, "nope.txt")).rejects.toMatchObject({ kind: "not_found" });
		await expect(e2b.readFile(sandbox.sandboxId, "../../../etc/passwd")).rejects.toMatchObject({
			kind: "invalid_input",
		});
		await expect(e2b.exec("i0000000000000000", "true")).rejects.toMatchObject({ code: "SANDBOX_NOT_FOUND" });
		await expect(e2b.status("i0000000000000000")).rejects.toMatchObject({ code: "SANDBOX_NOT_FOUND" });
		await e2b.terminate("i0000000000000000");
	});

	it("runs commands with stdin, env and cwd, and reports signals", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({
			sessionId: null,
			organizationId: null,
			env: { FROM_CREATE: "yes" },
		});
		const result = await e2b.exec(sandbox.sandboxId, "cat; echo $FROM_CREATE $EXTRA; pwd", {
			stdin: "piped\n",
			env: { EXTRA: "extra value" },
			cwd: "/home/user",
		});
		expect(result.stdout).toBe("piped\nyes extra value\n/home/user\n");
		await expect(e2b.exec(sandbox.sandboxId, "kill -TERM $$")).rejects.toMatchObject({
			exitCode: 143,
			signal: "SIGTERM",
		});
	});

	it("reports a sandbox that dies under a running command as terminated, without hanging", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({ sessionId: null, organizationId: null });
		const running = e2b.exec(sandbox.sandboxId, "touch started && sleep 30", { timeoutMs: 20_000 });
		running.catch(() => {});
		// Wait until the command really runs, so the kill lands under it.
		for (let attempt = 0; attempt < 100; attempt++) {
			const started = await e2b.readFile(sandbox.sandboxId, "started").then(
				() => true,
				() => false,
			);
			if (started) break;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		await fetch(`${fake.url}/sandboxes/${sandbox.sandboxId}`, {
			method: "DELETE",
			headers: { "x-api-key": fake.apiKey },
		});
		await expect(running).rejects.toMatchObject({ code: "SANDBOX_TERMINATED" });
	});

	it("clones with a token without leaking it into errors", async () => {
		const e2b = provider();
		const error = await e2b
			.createSandbox({
				sessionId: null,
				organizationId: null,
				repo: { url: "http://127.0.0.1:1/org/repo.git", token: "ghs_secret_token_value" },
			})
			.catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: "SANDBOX_PROVIDER_ERROR" });
		expect(JSON.stringify(error) + String((error as Error).message)).not.toContain("ghs_secret_token_value");
		// The failed sandbox is not left running.
		expect([...fake.machine.sandboxes.values()].filter((record) => record.state === "running").length).toBe(
			[...fake.machine.sandboxes.values()].filter((record) => record.state === "running").length,
		);
	});

	it("clones a branch and removes credentials from the remote", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({
			sessionId: null,
			organizationId: null,
			repo: { url: repo, branch: "main" },
		});
		const result = await e2b.exec(
			sandbox.sandboxId,
			"git rev-parse --abbrev-ref HEAD && git remote get-url origin",
		);
		expect(result.stdout).toBe(`main\n${repo}\n`);
	});

	it("recovers a live sandbox from a fresh provider and restarts dead processes", async () => {
		const first = provider();
		const sandbox = await first.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [{ name: "ticker", command: ["sleep", "300"] }],
		});
		const pid = async (p: E2BSandboxProvider) =>
			(await p.exec(sandbox.sandboxId, "cat ~/.proliferate/run/ticker.pid")).stdout.trim();
		const original = await pid(first);
		await first.exec(sandbox.sandboxId, `kill ${original}`);
		const second = provider();
		const recovered = await second.ensureSandbox({
			sessionId: null,
			organizationId: null,
			sandboxId: sandbox.sandboxId,
		});
		expect(recovered.recovered).toBe(true);
		expect(recovered.sandboxId).toBe(sandbox.sandboxId);
		const restarted = await pid(second);
		expect(restarted).not.toBe(original);
		expect((await second.exec(sandbox.sandboxId, `kill -0 ${restarted} && echo alive`)).stdout).toBe(
			"alive\n",
		);
	});

	it("keeps a process's credentials out of command lines and the shared env file; stdin reaches only the process", async () => {
		const e2b = provider();
		const credential = "cred-0123456789abcdef";
		const stdinSecret = "stdin-fedcba9876543210";
		const sandbox = await e2b.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [
				{
					name: "holder",
					command: ["bash", "-c", "cat > ~/received.txt; exec sleep 300"],
					env: { HOLDER_CREDENTIAL: credential },
					stdin: stdinSecret,
				},
			],
		});
		let received = "";
		for (let attempt = 0; attempt < 50 && !received; attempt++) {
			received = (await e2b.exec(sandbox.sandboxId, "cat ~/received.txt 2>/dev/null || true")).stdout;
			if (!received) await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(received).toBe(stdinSecret);
		// Every process of this sandbox (they carry its marker), with argv and environment.
		const listing = await e2b.exec(
			sandbox.sandboxId,
			`for d in /proc/[0-9]*; do if tr '\\0' '\\n' < $d/environ 2>/dev/null | grep -qx 'FAKE_CLOUD_SANDBOX_ID=${sandbox.sandboxId}'; then echo "PID \${d#/proc/}"; echo "CMD $(tr '\\0' ' ' < $d/cmdline)"; echo "ENV $(tr '\\0' ' ' < $d/environ)"; fi; done; echo FILES; cat ~/.proliferate/env.sh; ls ~/.proliferate/run`,
		);
		const commandLines = listing.stdout.split("\n").filter((line) => line.startsWith("CMD "));
		expect(commandLines.length).toBeGreaterThan(1);
		for (const line of commandLines) {
			expect(line).not.toContain(credential);
			expect(line).not.toContain(stdinSecret);
		}
		expect(listing.stdout).not.toContain(stdinSecret);
		const files = listing.stdout.slice(listing.stdout.indexOf("FILES"));
		expect(files).not.toContain(credential);
		expect(files).not.toMatch(/holder\.(env|stdin)/);
		const withCredential = listing.stdout.split("\n").filter((line) => line.includes(credential));
		expect(withCredential).toHaveLength(1);
		expect(withCredential[0]).toMatch(/^ENV /);
	});

	it("does not mistake a reused pid for its process", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [{ name: "ticker", command: ["sleep", "300"] }],
		});
		// As after a restore into a new machine: the recorded pid now belongs to someone else.
		await e2b.exec(
			sandbox.sandboxId,
			"kill $(cat ~/.proliferate/run/ticker.pid); echo 1 > ~/.proliferate/run/ticker.pid",
		);
		await provider().ensureSandbox({ sessionId: null, organizationId: null, sandboxId: sandbox.sandboxId });
		const pid = (await e2b.exec(sandbox.sandboxId, "cat ~/.proliferate/run/ticker.pid")).stdout.trim();
		expect(pid).not.toBe("1");
		expect(
			(
				await e2b.exec(
					sandbox.sandboxId,
					`tr '\\0' '\\n' < /proc/${pid}/environ | grep -x PROLIFERATE_PROCESS=ticker`,
				)
			).stdout,
		).toBe("PROLIFERATE_PROCESS=ticker\n");
	});

	it("pauses natively, reports paused, and resumes with processes restarted", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({
			sessionId: null,
			organizationId: null,
			processes: [{ name: "ticker", command: ["sleep", "300"] }],
		});
		const snapshot = await e2b.pause(sandbox.sandboxId);
		expect(snapshot.provider).toBe("e2b");
		expect(count(`POST /sandboxes/${sandbox.sandboxId}/pause`)).toBe(1);
		expect((await provider().status(sandbox.sandboxId)).state).toBe("paused");
		// Neither this provider nor a fresh one resumes it behind the caller's back.
		await expect(e2b.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({ code: "SANDBOX_PAUSED" });
		await expect(provider().exec(sandbox.sandboxId, "true")).rejects.toMatchObject({
			code: "SANDBOX_PAUSED",
		});
		expect((await provider().status(sandbox.sandboxId)).state).toBe("paused");
		const resumed = await e2b.resume(sandbox.sandboxId);
		expect(resumed.sandboxId).toBe(sandbox.sandboxId);
		expect(
			(await e2b.exec(sandbox.sandboxId, "kill -0 $(cat ~/.proliferate/run/ticker.pid) && echo alive"))
				.stdout,
		).toBe("alive\n");
	});

	it("reports expiry and refuses work after it", async () => {
		const e2b = provider();
		const sandbox = await e2b.createSandbox({ sessionId: null, organizationId: null, lifetimeSeconds: 1 });
		expect(sandbox.expiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
		expect((await e2b.status(sandbox.sandboxId)).expiresAt).toBeInstanceOf(Date);
		await new Promise((resolve) => setTimeout(resolve, 1100));
		await expect(e2b.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({ kind: "not_found" });
	});

	it("builds port URLs from the sandbox host by default", async () => {
		const e2b = provider({ portUrlTemplate: undefined, domain: "e2b.example.com" });
		expect(await e2b.resolvePortUrl("isbx123", 4096)).toBe("https://4096-isbx123.e2b.example.com");
		await expect(e2b.resolvePortUrl("isbx123", 70000)).rejects.toMatchObject({ kind: "invalid_input" });
	});

	it("refuses to start without credentials", () => {
		expect(() => provider({ apiKey: "" })).toThrow(/E2B_API_KEY/);
		expect(() => provider({ template: "" })).toThrow(/E2B_TEMPLATE/);
	});
});
