import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PROCESS_LOG_MARKERS, SANDBOX_GIT_IDENTITY, type SandboxProvider } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export interface ContractOptions {
	/** A git repository (URL or local path) with a README.md, cloned by the provider. */
	repoUrl: string;
	/** Whether the provider can start a process that listens on a port and expose it. */
	supportsPorts?: boolean;
	/**
	 * Port the test server listens on inside the sandbox (default 8123). Fakes whose sandboxes share
	 * the host network pick distinct ports so suites running in parallel do not collide.
	 */
	port?: number;
	timeoutMs?: number;
}

/**
 * The behaviour every `SandboxProvider` must have, as a vitest suite. Run it against each provider
 * (the local one with real bubblewrap, remote ones against their protocol fakes).
 */
export function describeSandboxProviderContract(
	name: string,
	makeProvider: () => Promise<{ provider: SandboxProvider; cleanup: () => Promise<void> }>,
	options: ContractOptions,
): void {
	describe(`SandboxProvider contract: ${name}`, () => {
		let provider: SandboxProvider;
		let cleanup: () => Promise<void> = async () => {};
		const created: string[] = [];
		const timeout = options.timeoutMs ?? 60_000;

		beforeAll(async () => {
			({ provider, cleanup } = await makeProvider());
		}, timeout);

		afterAll(async () => {
			for (const id of created) await provider.terminate(id).catch(() => {});
			await cleanup();
		}, timeout);

		async function create(
			extra: Parameters<SandboxProvider["createSandbox"]>[0] = { sessionId: null, organizationId: null },
		) {
			const handle = await provider.createSandbox(extra);
			created.push(handle.sandboxId);
			return handle;
		}

		it(
			"gives a process its stdin and its own environment, and keeps both off every command line",
			async () => {
				const credential = `cred-${randomUUID()}`;
				const stdinSecret = `stdin-${randomUUID()}`;
				const sandbox = await create({
					sessionId: null,
					organizationId: null,
					processes: [
						{
							name: "holder",
							command: [
								"/usr/bin/node",
								"-e",
								"let t='';process.stdin.on('data',d=>{t+=d}).on('end',()=>{require('fs').writeFileSync('/home/user/received.txt',t+' '+process.env.HOLDER_CREDENTIAL);setInterval(()=>{},1000)})",
							],
							env: { HOLDER_CREDENTIAL: credential },
							stdin: stdinSecret,
						},
					],
				});
				let received = "";
				for (let attempt = 0; attempt < 100 && !received; attempt++) {
					received = (
						await provider.exec(sandbox.sandboxId, "cat /home/user/received.txt 2>/dev/null || true")
					).stdout;
					if (!received) await new Promise((resolve) => setTimeout(resolve, 100));
				}
				expect(received).toBe(`${stdinSecret} ${credential}`);
				// Command lines are readable by every process: neither value may be on one.
				const commandLines = await provider.exec(
					sandbox.sandboxId,
					"for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; echo; done",
				);
				expect(commandLines.stdout).not.toContain(credential);
				expect(commandLines.stdout).not.toContain(stdinSecret);
			},
			timeout,
		);

		it("reports health", async () => {
			expect((await provider.health()).healthy).toBe(true);
		});

		it(
			"clones the repository and runs commands in the workspace",
			async () => {
				const sandbox = await create({
					sessionId: null,
					organizationId: null,
					repo: { url: options.repoUrl },
				});
				expect(sandbox.state).toBe("running");
				const result = await provider.exec(sandbox.sandboxId, "ls README.md && pwd");
				expect(result.exitCode).toBe(0);
				expect(result.stdout).toContain("README.md");
				expect(result.stdout).toContain(sandbox.workspaceDir);
				// Commits work out of the box, under the sandbox's identity.
				const commit = await provider.exec(
					sandbox.sandboxId,
					"git commit --allow-empty --quiet -m contract && git log -1 --format=%an/%ae",
				);
				expect(commit.stdout.trim()).toBe(`${SANDBOX_GIT_IDENTITY.name}/${SANDBOX_GIT_IDENTITY.email}`);
			},
			timeout,
		);

		it(
			"reads and writes files, keeping modes",
			async () => {
				const sandbox = await create();
				await provider.writeFile(sandbox.sandboxId, "notes/hello.sh", "#!/bin/sh\necho hi\n", {
					mode: 0o755,
				});
				expect(Buffer.from(await provider.readFile(sandbox.sandboxId, "notes/hello.sh")).toString()).toBe(
					"#!/bin/sh\necho hi\n",
				);
				expect((await provider.exec(sandbox.sandboxId, "./notes/hello.sh")).stdout).toBe("hi\n");
			},
			timeout,
		);

		it(
			"reports failures and timeouts as typed errors",
			async () => {
				const sandbox = await create();
				await expect(provider.exec(sandbox.sandboxId, "echo bad >&2; exit 7")).rejects.toMatchObject({
					code: "SANDBOX_COMMAND_FAILED",
					exitCode: 7,
				});
				await expect(provider.exec(sandbox.sandboxId, "sleep 20", { timeoutMs: 500 })).rejects.toMatchObject({
					code: "SANDBOX_COMMAND_TIMEOUT",
				});
				expect((await provider.exec(sandbox.sandboxId, "exit 3", { allowFailure: true })).exitCode).toBe(3);
			},
			timeout,
		);

		it(
			"snapshots and restores the workspace",
			async () => {
				const sandbox = await create({
					sessionId: null,
					organizationId: null,
					repo: { url: options.repoUrl },
				});
				await provider.exec(sandbox.sandboxId, "echo changed >> README.md && echo new > untracked.txt");
				const before = await provider.exec(sandbox.sandboxId, "cat README.md untracked.txt");
				const snapshot = await provider.snapshot(sandbox.sandboxId);
				const restored = await create({
					sessionId: null,
					organizationId: null,
					snapshotId: snapshot.snapshotId,
				});
				expect((await provider.exec(restored.sandboxId, "cat README.md untracked.txt")).stdout).toBe(
					before.stdout,
				);
			},
			timeout,
		);

		it(
			"pauses and resumes",
			async () => {
				const sandbox = await create();
				await provider.writeFile(sandbox.sandboxId, "kept.txt", "kept\n");
				await provider.pause(sandbox.sandboxId);
				expect((await provider.status(sandbox.sandboxId)).state).toBe("paused");
				await provider.resume(sandbox.sandboxId);
				expect((await provider.exec(sandbox.sandboxId, "cat kept.txt")).stdout).toBe("kept\n");
			},
			timeout,
		);

		it(
			"terminates idempotently and then refuses work",
			async () => {
				const sandbox = await create();
				await provider.terminate(sandbox.sandboxId);
				await provider.terminate(sandbox.sandboxId);
				await expect(provider.exec(sandbox.sandboxId, "true")).rejects.toMatchObject({ kind: "not_found" });
			},
			timeout,
		);

		it(
			"marks each start and the exit of a process in its log",
			async () => {
				const sandbox = await create({
					sessionId: null,
					organizationId: null,
					processes: [{ name: "brief", command: ["/bin/sh", "-c", "echo working; exit 3"] }],
				});
				let log = "";
				for (let attempt = 0; attempt < 100 && !log.includes(PROCESS_LOG_MARKERS.exited); attempt++) {
					log = await provider
						.readFile(sandbox.sandboxId, `${sandbox.homeDir}/.proliferate/logs/brief.log`)
						.then((bytes) => Buffer.from(bytes).toString())
						.catch(() => "");
					if (!log.includes(PROCESS_LOG_MARKERS.exited))
						await new Promise((resolve) => setTimeout(resolve, 50));
				}
				expect(log).toContain(`${PROCESS_LOG_MARKERS.starting}\n`);
				expect(log).toContain("working\n");
				expect(log).toContain(`${PROCESS_LOG_MARKERS.exited} 3`);
				expect(log.indexOf("working")).toBeGreaterThan(log.indexOf(PROCESS_LOG_MARKERS.starting));
			},
			timeout,
		);

		it(
			"hands a warm sandbox to a session once",
			async () => {
				// A platform service the claimed sandbox must reach through its egress.
				const callback = createServer((request, response) => response.end(`callback ${request.url}`));
				await new Promise<void>((resolve) => callback.listen(0, "127.0.0.1", resolve));
				const callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/cb`;
				const port = (options.port ?? 8123) + 1;
				const ports = options.supportsPorts !== false;
				try {
					const warm = await create({
						sessionId: null,
						organizationId: null,
						...(ports ? { ports: [port] } : {}),
					});
					const claim = {
						sessionId: randomUUID(),
						organizationId: "org-contract",
						repo: { url: options.repoUrl },
						env: { CLAIM_MARK: "claimed" },
						files: [{ path: ".proliferate/claim.txt", content: "hello\n", mode: 0o600 }],
						egress: [{ name: "callback", url: callbackUrl }],
						processes: ports
							? [
									{
										name: "claimed-server",
										port,
										command: [
											"/usr/bin/node",
											"-e",
											`require('http').createServer((q,s)=>s.end('claimed '+process.env.CLAIM_MARK)).listen(${port},'127.0.0.1')`,
										],
									},
								]
							: [],
					};
					const claimed = await provider.claimSandbox(warm.sandboxId, claim);
					expect(claimed.sandboxId).toBe(warm.sandboxId);
					const inside = await provider.exec(
						claimed.sandboxId,
						'ls README.md && cat "$HOME/.proliferate/claim.txt" && echo "$CLAIM_MARK" && /usr/bin/node -e "fetch(process.env.PROLIFERATE_EGRESS_CALLBACK_URL).then(r=>r.text()).then(console.log)"',
					);
					expect(inside.stdout).toBe("README.md\nhello\nclaimed\ncallback /cb\n");
					if (ports) {
						const url = claimed.ports[port] ?? (await provider.resolvePortUrl(claimed.sandboxId, port));
						let body = "";
						for (let attempt = 0; attempt < 50 && body !== "claimed claimed"; attempt++) {
							body = await fetch(url)
								.then((response) => response.text())
								.catch(() => "");
							if (body !== "claimed claimed") await new Promise((resolve) => setTimeout(resolve, 100));
						}
						expect(body).toBe("claimed claimed");
					}
					await expect(provider.claimSandbox(warm.sandboxId, claim)).rejects.toMatchObject({
						code: "SANDBOX_ALREADY_CLAIMED",
					});
				} finally {
					callback.close();
				}
			},
			timeout,
		);

		it.runIf(options.supportsPorts !== false)(
			"exposes a port a sandbox process listens on",
			async () => {
				const sandbox = await create({
					sessionId: null,
					organizationId: null,
					processes: [
						{
							name: "server",
							// Declared: Modal opens tunnels only for ports known when the sandbox is created.
							port: options.port ?? 8123,
							command: [
								"/usr/bin/node",
								"-e",
								`require('http').createServer((q,s)=>s.end('contract ok')).listen(${options.port ?? 8123},'127.0.0.1')`,
							],
						},
					],
				});
				const url = await provider.resolvePortUrl(sandbox.sandboxId, options.port ?? 8123);
				let body = "";
				for (let attempt = 0; attempt < 50 && body !== "contract ok"; attempt++) {
					body = await fetch(url)
						.then((response) => response.text())
						.catch(() => "");
					if (body !== "contract ok") await new Promise((resolve) => setTimeout(resolve, 100));
				}
				expect(body).toBe("contract ok");
			},
			timeout,
		);
	});
}
