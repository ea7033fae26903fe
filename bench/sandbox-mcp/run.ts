/**
 * sandbox-mcp inside a real bubblewrap sandbox: sandbox create → sandbox-mcp answering, terminal
 * open → first output, keystroke round trip through the PTY, and service start → port exposed;
 * p50/p95 over repeated runs (BENCH_RUNS, default 5; BENCH_KEYSTROKES, default 200).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxClient, type SandboxClient } from "@proliferate/gateway-clients";
import { LocalSandboxProvider } from "@proliferate/sandbox";
import {
	ensureSandboxMcpBundle,
	SANDBOX_MCP_HOST_DIR,
	SANDBOX_MCP_SANDBOX_DIR,
	sandboxMcpProcess,
} from "@proliferate/sandbox-mcp";
import { SANDBOX_MCP_PORT } from "@proliferate/shared";
import WebSocket from "ws";
import { summarize } from "../stats";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const keystrokes = Number(process.env.BENCH_KEYSTROKES ?? 200);
const token = "bench-token-0123456789abcdef";
const root = mkdtempSync(join(tmpdir(), "bench-sandbox-mcp-"));
await ensureSandboxMcpBundle();
const provider = new LocalSandboxProvider({
	dataDirectory: join(root, "data"),
	runtimeMounts: [{ hostPath: SANDBOX_MCP_HOST_DIR, sandboxPath: SANDBOX_MCP_SANDBOX_DIR }],
});
const WithToken = class extends WebSocket {
	constructor(url: string) {
		super(url, { headers: { authorization: `Bearer ${token}` } });
	}
} as never;

async function until(probe: () => boolean | Promise<boolean>) {
	for (;;) {
		if (await probe()) return;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

const ready: number[] = [];
const terminalOpen: number[] = [];
const roundTrip: number[] = [];
const serviceUp: number[] = [];
process.stdout.write(`sandbox-mcp bench: ${runs} runs, ${keystrokes} keystrokes per run\n`);
for (let run = 0; run < runs; run++) {
	let started = performance.now();
	const sandbox = await provider.createSandbox({
		sessionId: null,
		organizationId: null,
		processes: [sandboxMcpProcess({ token, homeDir: "/home/user", workspaceDir: "/home/user/workspace" })],
	});
	const client: SandboxClient = createSandboxClient({
		baseUrl: sandbox.ports[SANDBOX_MCP_PORT] ?? "",
		auth: { type: "token", token },
		WebSocket: WithToken,
	});
	await until(() =>
		client.listTerminals().then(
			() => true,
			() => false,
		),
	);
	ready.push(performance.now() - started);

	started = performance.now();
	const terminal = await client.createTerminal();
	let output = "";
	let onNextOutput: (() => void) | undefined;
	const connection = client.connectTerminal(terminal.id, {
		onOutput: (data) => {
			output += data;
			onNextOutput?.();
		},
	});
	await until(() => output.length > 0);
	terminalOpen.push(performance.now() - started);
	// Let the login shell settle at its prompt, then type: readline echoes each character.
	await new Promise((resolve) => setTimeout(resolve, 300));
	for (let index = 0; index < keystrokes; index++) {
		const echoed = new Promise<void>((resolve) => {
			onNextOutput = resolve;
		});
		const sent = performance.now();
		connection.write(index % 50 === 49 ? "\u0015" : "x");
		await echoed;
		roundTrip.push(performance.now() - sent);
	}
	connection.close();

	started = performance.now();
	await client.startService({
		name: "web",
		command: `node -e "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1')"`,
		port: 5173,
	});
	await client.exposeService("web");
	serviceUp.push(performance.now() - started);
	await provider.terminate(sandbox.sandboxId);
}
process.stdout.write(`  ${summarize("create sandbox → sandbox-mcp answers", ready)}\n`);
process.stdout.write(`  ${summarize("open terminal → first output (prompt)", terminalOpen)}\n`);
process.stdout.write(`  ${summarize("keystroke → echo through the PTY", roundTrip)}\n`);
process.stdout.write(`  ${summarize("start node service → port listening", serviceUp)}\n`);
await provider.shutdown();
rmSync(root, { recursive: true, force: true });
