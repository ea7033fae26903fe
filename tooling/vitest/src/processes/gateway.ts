import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const gatewayDirectory = resolve(import.meta.dirname, "../../../../apps/gateway");

/** A gateway running as its own process (`node --import tsx src/main.ts`), as `make start` runs it. */
export interface GatewayProcess {
	url: string;
	instanceId: string;
	pid: number;
	logPath: string;
	/** SIGSTOP: the process stalls (timers, sockets and leases with it) until `resume`. */
	freeze: () => void;
	resume: () => void;
	/** SIGKILL: the process dies at once, as in a crash (its local sandboxes die with it). */
	kill: () => Promise<void>;
	/** SIGTERM and wait (graceful shutdown). */
	stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
	const address = server.address();
	await new Promise<void>((done) => server.close(() => done()));
	if (!address || typeof address === "string") throw new Error("no free port");
	return address.port;
}

async function waitForHealth(url: string, child: ChildProcess, logPath: string): Promise<void> {
	const deadline = Date.now() + 90_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`the gateway exited (${child.exitCode}) before answering; log: ${logPath}`);
		try {
			if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((done) => setTimeout(done, 200));
	}
	throw new Error(`the gateway did not answer ${url}/health in time; log: ${logPath}`);
}

export async function startGatewayProcess(options: {
	instanceId: string;
	/** The gateway's configuration (database, Redis, secrets, data directory, LLM); port and URL are added. */
	environment: Record<string, string>;
	logDirectory: string;
	/** Default: a free port. */
	port?: number;
}): Promise<GatewayProcess> {
	const port = options.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	const logPath = join(options.logDirectory, `gateway-${options.instanceId}.log`);
	const log = createWriteStream(logPath, { flags: "a" });
	const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
		cwd: gatewayDirectory,
		env: {
			...options.environment,
			GATEWAY_PORT: String(port),
			GATEWAY_URL: url,
			GATEWAY_INSTANCE_ID: options.instanceId,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	const exited = new Promise<void>((done) => child.once("exit", () => done()));
	const pid = child.pid;
	if (pid === undefined) throw new Error("the gateway did not start");
	await waitForHealth(url, child, logPath);
	return {
		url,
		instanceId: options.instanceId,
		pid,
		logPath,
		freeze: () => process.kill(pid, "SIGSTOP"),
		resume: () => process.kill(pid, "SIGCONT"),
		kill: async () => {
			if (child.exitCode === null) process.kill(pid, "SIGKILL");
			await exited;
		},
		stop: async () => {
			if (child.exitCode !== null) return;
			process.kill(pid, "SIGCONT");
			process.kill(pid, "SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
			await exited;
			clearTimeout(timer);
		},
	};
}

/**
 * Running boots of each local sandbox under `dataDirectory`: bubblewrap processes binding a sandbox
 * home, counted once per boot (the namespace's own bwrap child is not counted), zombies excluded.
 */
export function runningSandboxBoots(dataDirectory: string): Map<string, number> {
	const sandboxes = join(dataDirectory, "sandboxes");
	const bwraps = new Map<number, { home: string; parent: number }>();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
			if (!args[0]?.endsWith("bwrap")) continue;
			const home = args.find((arg) => arg.startsWith(`${sandboxes}/`));
			if (!home) continue;
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
			if (stat[0] === "Z" || stat[0] === "X") continue;
			bwraps.set(Number(entry), { home, parent: Number(stat[1]) });
		} catch {
			// the process ended while we looked
		}
	}
	const boots = new Map<string, number>();
	for (const { home, parent } of bwraps.values()) {
		if (bwraps.get(parent)?.home === home) continue;
		boots.set(home, (boots.get(home) ?? 0) + 1);
	}
	return boots;
}
