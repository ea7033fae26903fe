import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/**
 * A Redis server of the test's own (the machine's `redis-server`), so a test can take it away and
 * bring it back. Append-only with fsync on every write, like a production Redis that keeps its data:
 * a restart on the same port and directory keeps every key.
 */
export interface OwnRedis {
	url: string;
	port: number;
	/** Shuts the server down (data kept on disk); connections are refused until `start`. */
	stop: () => Promise<void>;
	start: () => Promise<void>;
	/** Freezes the server (SIGSTOP): connections stay open but nothing answers until `resume`. */
	freeze: () => void;
	resume: () => void;
	close: () => Promise<void>;
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	await new Promise<void>((resolve) => server.close(() => resolve()));
	if (!address || typeof address === "string") throw new Error("no port");
	return address.port;
}

export async function startOwnRedis(): Promise<OwnRedis> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), "own-redis-"));
	let child: ChildProcess | undefined;

	async function start(): Promise<void> {
		child = spawn(
			"redis-server",
			[
				"--port",
				String(port),
				"--bind",
				"127.0.0.1",
				"--dir",
				dir,
				"--save",
				"",
				"--appendonly",
				"yes",
				"--appendfsync",
				"always",
			],
			{ stdio: "ignore" },
		);
		const probe = new Redis({
			port,
			host: "127.0.0.1",
			lazyConnect: true,
			maxRetriesPerRequest: 0,
			retryStrategy: () => null,
		});
		const deadline = Date.now() + 10_000;
		for (;;) {
			try {
				await probe.connect();
				await probe.ping();
				break;
			} catch (error) {
				if (Date.now() > deadline) throw error;
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		}
		probe.disconnect();
	}

	async function stop(): Promise<void> {
		const running = child;
		if (!running || running.exitCode !== null) return;
		const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
		running.kill("SIGTERM");
		await exited;
	}

	await start();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		start,
		stop,
		freeze: () => child?.kill("SIGSTOP"),
		resume: () => child?.kill("SIGCONT"),
		close: async () => {
			child?.kill("SIGCONT");
			await stop();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
