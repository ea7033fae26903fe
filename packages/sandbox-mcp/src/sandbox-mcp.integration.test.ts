import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxClient, GatewayRequestError, type SandboxClient } from "@proliferate/gateway-clients";
import { LocalSandboxProvider } from "@proliferate/sandbox";
import { SANDBOX_MCP_PORT, type SandboxHandle, type ServiceLogEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ensureSandboxMcpBundle, SANDBOX_MCP_HOST_DIR } from "./bundle";
import { SANDBOX_MCP_SANDBOX_DIR, sandboxMcpProcess } from "./process-spec";
import { probeTerminal, until } from "./testing/terminal-reader";

const root = mkdtempSync(join(tmpdir(), "sandbox-mcp-"));
const repoPath = join(root, "repo");
const token = "mcp-token-for-tests-0123456789";
let provider: LocalSandboxProvider;
let sandbox: SandboxHandle;
let client: SandboxClient;
let mcpUrl: string;

/** `ws` with the sandbox token as a header (what the gateway's proxy sends). */
function socketWithToken(secret: string) {
	return class extends WebSocket {
		constructor(url: string) {
			super(url, { headers: { authorization: `Bearer ${secret}` } });
		}
	} as never;
}

function expectRequestError(promise: Promise<unknown>, status: number, code: string) {
	return expect(promise).rejects.toMatchObject({ status, code });
}

const webServer = `node -e "require('http').createServer((q, s) => s.end('hello from ' + q.url)).listen(process.env.PORT, '127.0.0.1', () => console.log('listening on ' + process.env.PORT))"`;

beforeAll(async () => {
	await ensureSandboxMcpBundle();
	mkdirSync(repoPath);
	const git = (...args: string[]) => execFileSync("git", args, { cwd: repoPath, stdio: "ignore" });
	git("init", "--quiet", "--initial-branch=main");
	writeFileSync(join(repoPath, "README.md"), "# demo\n");
	mkdirSync(join(repoPath, "src"));
	writeFileSync(join(repoPath, "src", "app.js"), "console.log('app');\n");
	git("add", "-A");
	git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init");
	provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		runtimeMounts: [{ hostPath: SANDBOX_MCP_HOST_DIR, sandboxPath: SANDBOX_MCP_SANDBOX_DIR }],
	});
	sandbox = await provider.createSandbox({
		sessionId: null,
		organizationId: null,
		repo: { url: repoPath },
		files: [
			{
				path: ".proliferate/services.json",
				content: JSON.stringify([{ name: "saved-web", command: webServer, port: 5174 }]),
			},
		],
		processes: [sandboxMcpProcess({ token, homeDir: "/home/user", workspaceDir: "/home/user/workspace" })],
	});
	const url = sandbox.ports[SANDBOX_MCP_PORT];
	if (!url) throw new Error("sandbox-mcp's port was not exposed");
	mcpUrl = url;
	client = createSandboxClient({
		baseUrl: mcpUrl,
		auth: { type: "token", token },
		WebSocket: socketWithToken(token),
	});
	const deadline = Date.now() + 30_000;
	for (;;) {
		try {
			await client.listTerminals();
			break;
		} catch (error) {
			if (Date.now() > deadline) {
				const log = await provider
					.readFile(sandbox.sandboxId, "/home/user/.proliferate/logs/sandbox-mcp.log")
					.catch(() => "");
				throw new Error(`sandbox-mcp did not answer: ${String(error)} ${Buffer.from(log).toString()}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
});

afterAll(async () => {
	if (sandbox) await provider.terminate(sandbox.sandboxId);
	await provider?.shutdown();
	rmSync(root, { recursive: true, force: true });
});

describe("sandbox-mcp inside a bubblewrap sandbox", () => {
	it("refuses requests and terminal sockets without the sandbox's token", async () => {
		const wrong = createSandboxClient({
			baseUrl: mcpUrl,
			auth: { type: "token", token: "not-the-token-0123456789abcd" },
			WebSocket: socketWithToken("not-the-token-0123456789abcd"),
		});
		await expectRequestError(wrong.listServices(), 401, "SANDBOX_MCP_UNAUTHORIZED");
		await expectRequestError(wrong.gitStatus(), 401, "SANDBOX_MCP_UNAUTHORIZED");
		const anonymous = await fetch(`${mcpUrl}/files/tree`);
		expect(anonymous.status).toBe(401);
		const terminal = await client.createTerminal();
		const refused = probeTerminal(wrong, terminal.id);
		expect(await refused.waitForClose()).toEqual({ code: 4401, reason: "SANDBOX_MCP_UNAUTHORIZED" });
		expect(refused.output()).toBe("");
		expect(refused.errors).toEqual([{ code: "SANDBOX_MCP_UNAUTHORIZED", message: expect.any(String) }]);
		const unknown = probeTerminal(client, "term_unknown");
		expect(await unknown.waitForClose()).toEqual({ code: 4404, reason: "TERMINAL_NOT_FOUND" });
		await client.closeTerminal(terminal.id);
	});

	it("echoes input through a real PTY in the workspace, as the sandbox user", async () => {
		const terminal = await client.createTerminal({ cols: 100, rows: 30 });
		const probe = probeTerminal(client, terminal.id);
		probe.connection.write('echo "pty:$((6*7))"; tty; pwd; id -u\r');
		await probe.waitForOutput("pty:42");
		await probe.waitForOutput(/\/dev\/pts\/\d+/);
		await probe.waitForOutput(/\/home\/user\/workspace\r?\n1000/);
		probe.connection.close();
		await client.closeTerminal(terminal.id);
	});

	it("answers bad frames with an error frame and keeps the terminal usable", async () => {
		const terminal = await client.createTerminal();
		const frames: { type: string; code?: string; data?: string }[] = [];
		const socket = new WebSocket(`${mcpUrl.replace("http", "ws")}/terminals/${terminal.id}`, {
			headers: { authorization: `Bearer ${token}` },
		});
		socket.on("message", (data) => frames.push(JSON.parse(String(data))));
		await new Promise((resolve) => socket.once("open", resolve));
		socket.send("{not json");
		socket.send(JSON.stringify({ type: "resize", cols: -1, rows: 10 }));
		socket.send(JSON.stringify({ type: "launch-missiles" }));
		await until(
			() => (frames.filter((frame) => frame.type === "error").length === 3 ? true : undefined),
			10_000,
			"three error frames",
		);
		expect(frames.filter((frame) => frame.type === "error").map((frame) => frame.code)).toEqual([
			"INVALID_FRAME",
			"INVALID_FRAME",
			"INVALID_FRAME",
		]);
		socket.send(JSON.stringify({ type: "input", data: "echo still-$((3*3))\r" }));
		await until(
			() =>
				frames.some((frame) => frame.type === "output" && frame.data?.includes("still-9")) ? true : undefined,
			10_000,
			"output after bad frames",
		);
		socket.close();
		await client.closeTerminal(terminal.id);
	});

	it("resizes a terminal over the socket and over HTTP", async () => {
		const terminal = await client.createTerminal({ cols: 80, rows: 24 });
		const probe = probeTerminal(client, terminal.id);
		probe.connection.resize(132, 43);
		probe.connection.write("stty size\r");
		await probe.waitForOutput("43 132");
		const resized = await client.resizeTerminal(terminal.id, 90, 20);
		expect(resized).toMatchObject({ cols: 90, rows: 20 });
		probe.connection.write("stty size\r");
		await probe.waitForOutput("20 90");
		await expectRequestError(client.resizeTerminal(terminal.id, 0, 20), 400, "INVALID_INPUT");
		probe.connection.close();
		await client.closeTerminal(terminal.id);
	});

	it("runs several terminals, replays scrollback to late clients and reports a closed one's exit", async () => {
		const first = await client.createTerminal();
		const second = await client.createTerminal();
		const firstProbe = probeTerminal(client, first.id);
		const secondProbe = probeTerminal(client, second.id);
		firstProbe.connection.write("echo first-$((1+1))\r");
		secondProbe.connection.write("echo second-$((2+2))\r");
		await firstProbe.waitForOutput("first-2");
		await secondProbe.waitForOutput("second-4");
		expect(firstProbe.output()).not.toContain("second-4");
		const late = probeTerminal(client, first.id);
		await late.waitForOutput("first-2");
		const ids = (await client.listTerminals()).map((terminal) => terminal.id);
		expect(ids).toEqual(expect.arrayContaining([first.id, second.id]));
		await client.closeTerminal(first.id);
		await firstProbe.waitForClose();
		expect(firstProbe.exits).toHaveLength(1);
		expect((await client.listTerminals()).map((terminal) => terminal.id)).not.toContain(first.id);
		await expectRequestError(client.closeTerminal(first.id), 404, "TERMINAL_NOT_FOUND");
		secondProbe.connection.write("exit 7\r");
		await secondProbe.waitForClose();
		expect(secondProbe.exits[0]?.exitCode).toBe(7);
	});

	it("starts a service, logs it, exposes its port through the provider and stops it", async () => {
		const started = await client.startService({ name: "web", command: webServer, port: 5173 });
		expect(started).toMatchObject({ name: "web", status: "running", port: 5173 });
		const exposed = await client.exposeService("web");
		expect(exposed).toEqual({ name: "web", port: 5173 });
		const logs = await client.serviceLogs("web", 10);
		expect(logs.text).toContain("listening on 5173");
		const url = await provider.resolvePortUrl(sandbox.sandboxId, exposed.port);
		expect(await (await fetch(`${url}/hi`)).text()).toBe("hello from /hi");
		const followed: ServiceLogEvent[] = [];
		const following = client.followServiceLogs("web", (event) => followed.push(event));
		await until(() => (followed.length > 0 ? true : undefined), 10_000, "followed logs");
		expect(followed[0]).toEqual({
			event: "log",
			data: { text: expect.stringContaining("listening on 5173") },
		});
		const listed = await client.listServices();
		expect(listed.find((service) => service.name === "web")?.status).toBe("running");
		const stopped = await client.stopService("web");
		expect(stopped.status).toBe("stopped");
		await following;
		expect(followed.at(-1)).toMatchObject({ event: "exit", data: { status: "stopped" } });
		await expect(fetch(`${url}/hi`).then((response) => response.text())).rejects.toThrow();
		const restarted = await client.restartService("web");
		expect(restarted).toMatchObject({ status: "running", restarts: 1 });
		await client.exposeService("web");
		expect(await (await fetch(`${url}/again`)).text()).toBe("hello from /again");
		await client.stopService("web");
	});

	it("reports a failed service with its exit code and output tail, and refuses to expose it", async () => {
		await client.startService({ name: "broken", command: "echo boom >&2; exit 3", port: 5999 });
		let info = await client.getService("broken");
		const deadline = Date.now() + 10_000;
		while (info.status === "running" && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			info = await client.getService("broken");
		}
		expect(info).toMatchObject({ status: "failed", exitCode: 3, signal: null });
		expect(info.outputTail).toContain("boom");
		const refusal = await client.exposeService("broken").catch((error: unknown) => error);
		expect(refusal).toBeInstanceOf(GatewayRequestError);
		expect(refusal).toMatchObject({
			status: 412,
			code: "SERVICE_NOT_RUNNING",
			details: { exitCode: 3, status: "failed", outputTail: expect.stringContaining("boom") },
		});
		await client.startService({ name: "portless", command: "sleep 30" });
		await expectRequestError(client.exposeService("portless"), 400, "SERVICE_HAS_NO_PORT");
		await client.stopService("portless");
	});

	it("lists and starts the repository's saved service commands by name", async () => {
		const saved = (await client.listServices()).find((service) => service.name === "saved-web");
		expect(saved).toMatchObject({ saved: true, status: "not_started", port: 5174 });
		const started = await client.startService({ name: "saved-web" });
		expect(started).toMatchObject({ saved: true, status: "running" });
		await client.exposeService("saved-web");
		await client.stopService("saved-web");
		await expectRequestError(client.startService({ name: "unknown" }), 404, "SERVICE_NOT_FOUND");
	});

	it("refuses bad input with 400s and keeps reads inside the workspace", async () => {
		await expectRequestError(client.startService({ name: "../evil", command: "true" }), 400, "INVALID_INPUT");
		await expectRequestError(client.startService({ name: "x", command: "" }), 400, "INVALID_INPUT");
		const malformed = await fetch(`${mcpUrl}/services`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: "{not json",
		});
		expect(malformed.status).toBe(400);
		const oversized = await fetch(`${mcpUrl}/terminals`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}` },
			body: JSON.stringify({ cols: 80, padding: "x".repeat(300 * 1024) }),
		});
		expect(oversized.status).toBe(400);
		await expectRequestError(client.readFile("../../../etc/passwd"), 400, "PATH_OUTSIDE_WORKSPACE");
		await expectRequestError(
			client.readFile("/home/user/.proliferate/services.json"),
			400,
			"PATH_OUTSIDE_WORKSPACE",
		);
		await expectRequestError(client.readFile("missing.txt"), 404, "FILE_NOT_FOUND");
		await expectRequestError(client.createTerminal({ cwd: "../.." }), 400, "PATH_OUTSIDE_WORKSPACE");
	});

	it("reads the workspace tree, files, git status and diff", async () => {
		await provider.exec(
			sandbox.sandboxId,
			"echo changed >> README.md && echo new > notes.txt && git add notes.txt",
		);
		const tree = await client.fileTree({ depth: 2 });
		expect(tree.entries.map((entry) => entry.path)).toEqual(
			expect.arrayContaining(["README.md", "src", "src/app.js", "notes.txt"]),
		);
		expect(tree.entries.some((entry) => entry.path.startsWith(".git/"))).toBe(false);
		const file = await client.readFile("src/app.js");
		expect(file).toMatchObject({ encoding: "utf8", content: "console.log('app');\n", truncated: false });
		const status = await client.gitStatus();
		expect(status.branch).toBe("main");
		expect(status.files).toEqual(
			expect.arrayContaining([
				{ path: "README.md", index: " ", worktree: "M" },
				{ path: "notes.txt", index: "A", worktree: " " },
			]),
		);
		const diff = await client.gitDiff();
		expect(diff.diff).toContain("+changed");
		expect(diff.files).toEqual([{ path: "README.md", additions: 1, deletions: 0 }]);
		const staged = await client.gitDiff({ staged: true });
		expect(staged.files).toEqual([{ path: "notes.txt", additions: 1, deletions: 0 }]);
	});
});
