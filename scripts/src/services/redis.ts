import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { SetupError } from "../lib/output";
import { dataDir } from "../lib/paths";

export interface RedisHandle {
	url: string;
	kind: "external" | "machine" | "child";
	stop: () => Promise<void>;
}

async function ping(url: string): Promise<boolean> {
	const client = new Redis(url, {
		lazyConnect: true,
		maxRetriesPerRequest: 0,
		connectTimeout: 1500,
		retryStrategy: () => null,
	});
	client.on("error", () => {});
	try {
		await client.connect();
		return (await client.ping()) === "PONG";
	} catch {
		return false;
	} finally {
		client.disconnect();
	}
}

function findRedisServer(): string | null {
	for (const candidate of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) {
		if (existsSync(candidate)) return candidate;
	}
	try {
		return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || null;
	} catch {
		return null;
	}
}

function tryInstallRedis(log: (line: string) => void): boolean {
	const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
	if (!canApt) return false;
	log("installing Debian's redis-server with apt-get");
	try {
		execFileSync(
			"sh",
			[
				"-c",
				"apt-get install -y -qq redis-server || (apt-get update -qq && apt-get install -y -qq redis-server)",
			],
			{
				stdio: "ignore",
				env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
			},
		);
		return findRedisServer() !== null;
	} catch {
		return false;
	}
}

/**
 * REDIS_URL when set; else a Redis already listening on 127.0.0.1:6379; else a `redis-server`
 * child process (installed from Debian's packages when missing and apt-get is usable).
 */
export async function ensureRedis(log: (line: string) => void): Promise<RedisHandle> {
	const configured = process.env.REDIS_URL;
	if (configured) {
		if (!(await ping(configured)))
			throw new SetupError(`REDIS_URL is set but Redis at ${configured} did not answer PING.`);
		return { url: configured, kind: "external", stop: async () => {} };
	}
	const machineUrl = "redis://127.0.0.1:6379";
	if (await ping(machineUrl)) return { url: machineUrl, kind: "machine", stop: async () => {} };

	const binary = findRedisServer() ?? (tryInstallRedis(log) ? findRedisServer() : null);
	if (!binary) {
		throw new SetupError(
			"No Redis available: set REDIS_URL, start Redis on 127.0.0.1:6379, or install redis-server (Debian: apt-get install redis-server).",
		);
	}
	const port = Number.parseInt(process.env.PROLIFERATE_REDIS_PORT ?? "6379", 10);
	const directory = join(dataDir(), "redis");
	mkdirSync(directory, { recursive: true });
	const child: ChildProcess = spawn(
		binary,
		["--bind", "127.0.0.1", "--port", String(port), "--dir", directory, "--save", "", "--appendonly", "no"],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	child.stdout?.on("data", (chunk: Buffer) => log(chunk.toString().trim()));
	child.stderr?.on("data", (chunk: Buffer) => log(chunk.toString().trim()));
	const url = `redis://127.0.0.1:${port}`;
	for (let attempt = 0; attempt < 50; attempt++) {
		if (await ping(url)) {
			return {
				url,
				kind: "child",
				stop: () =>
					new Promise<void>((resolve) => {
						if (child.exitCode !== null) return resolve();
						child.once("exit", () => resolve());
						child.kill("SIGTERM");
					}),
			};
		}
		if (child.exitCode !== null) break;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	child.kill("SIGKILL");
	throw new SetupError(`redis-server (${binary}) did not start on port ${port}.`);
}
