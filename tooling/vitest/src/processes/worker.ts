import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const workerDirectory = resolve(import.meta.dirname, "../../../../apps/worker");

/** A worker running as its own process (`node --import tsx src/main.ts`), as `make start` runs it. */
export interface WorkerProcess {
	pid: number;
	healthUrl: string;
	logPath: string;
	log: () => string;
	/** SIGKILL: dies at once, mid-whatever. */
	kill: () => Promise<void>;
	/** SIGTERM; resolves with the exit code. */
	stop: () => Promise<number | null>;
}

export async function startWorkerProcess(options: {
	name: string;
	environment: Record<string, string>;
	logDirectory: string;
}): Promise<WorkerProcess> {
	const logPath = join(options.logDirectory, `worker-${options.name}.log`);
	const log = createWriteStream(logPath, { flags: "a" });
	const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
		cwd: workerDirectory,
		env: { WORKER_HEALTH_PORT: "0", ...options.environment },
		stdio: ["ignore", "pipe", "pipe"],
	});
	const pid = child.pid;
	if (pid === undefined) throw new Error("the worker did not start");
	const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
	let buffered = "";
	const healthPort = await new Promise<number>((resolvePort, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`the worker did not start in time; log: ${logPath}`)),
			60_000,
		);
		child.stdout?.on("data", (chunk: Buffer) => {
			log.write(chunk);
			buffered += chunk.toString();
			for (const line of buffered.split("\n")) {
				if (!line.includes('"worker started"')) continue;
				try {
					const entry = JSON.parse(line) as { healthPort?: number };
					if (entry.healthPort) {
						clearTimeout(timer);
						resolvePort(entry.healthPort);
					}
				} catch {}
			}
		});
		child.stderr?.on("data", (chunk: Buffer) => log.write(chunk));
		child.once("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`the worker exited (${code}) before it started; log: ${logPath}`));
		});
	});
	return {
		pid,
		healthUrl: `http://127.0.0.1:${healthPort}`,
		logPath,
		log: () => readFileSync(logPath, "utf8"),
		kill: async () => {
			if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
			await exited;
		},
		stop: async () => {
			if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGTERM");
			return exited;
		},
	};
}
