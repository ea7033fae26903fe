import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { resolve } from "node:path";
import { freePort } from "@proliferate/vitest-setup/processes";

/** apps/llm-proxy, run from its directory as `make start` runs it (the gateway never imports the app). */
const llmProxyDirectory = resolve(import.meta.dirname, "../../../llm-proxy");

export interface LlmProxyProcess {
	url: string;
	/** SIGTERM (the proxy flushes pending spend) and wait for the exit. */
	close: () => Promise<void>;
}

/** The LLM proxy as its own process (`node --import tsx src/main.ts`), answering /health. */
export async function startLlmProxyProcess(options: {
	/** The proxy's configuration (database, Redis, admin secret, catalog); the port is added. */
	environment: Record<string, string>;
	logPath: string;
}): Promise<LlmProxyProcess> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const log = createWriteStream(options.logPath, { flags: "a" });
	const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
		cwd: llmProxyDirectory,
		env: { ...options.environment, LLM_PROXY_PORT: String(port) },
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	const exited = new Promise<void>((done) => child.once("exit", () => done()));
	const close = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill("SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
			await exited;
			clearTimeout(timer);
		}
		log.end();
	};
	const deadline = Date.now() + 90_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) {
			await close();
			throw new Error(`the LLM proxy exited (${child.exitCode}) before answering; log: ${options.logPath}`);
		}
		try {
			if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok) return { url, close };
		} catch {
			// not listening yet
		}
		await new Promise((done) => setTimeout(done, 100));
	}
	await close();
	throw new Error(`the LLM proxy did not answer ${url}/health in time; log: ${options.logPath}`);
}
