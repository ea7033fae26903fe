import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const webDirectory = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const repoRoot = resolve(webDirectory, "../..");
const nextBin = join(webDirectory, "node_modules/.bin/next");
const sourceRoots = [
	join(webDirectory, "src"),
	join(webDirectory, "next.config.ts"),
	...["services", "shared", "db", "environment", "logger", "gateway-clients"].map((name) =>
		join(repoRoot, "packages", name, "src"),
	),
];

function newest(path: string): number {
	if (!existsSync(path)) return 0;
	const stats = statSync(path);
	if (!stats.isDirectory()) return path.includes(".test.") ? 0 : stats.mtimeMs;
	let latest = 0;
	for (const entry of readdirSync(path)) {
		if (entry === "node_modules" || entry.startsWith(".")) continue;
		latest = Math.max(latest, newest(join(path, entry)));
	}
	return latest;
}

/** Builds the web app (`next build`) unless `.next` is newer than every source it bundles. */
export async function ensureWebBuild(inherited: Record<string, string | undefined>): Promise<void> {
	const buildId = join(webDirectory, ".next", "BUILD_ID");
	if (existsSync(buildId) && statSync(buildId).mtimeMs > Math.max(...sourceRoots.map(newest))) return;
	await new Promise<void>((resolvePromise, reject) => {
		const child = spawn(nextBin, ["build"], {
			cwd: webDirectory,
			env: { ...inherited, NEXT_TELEMETRY_DISABLED: "1" } as unknown as NodeJS.ProcessEnv,
			stdio: ["ignore", "pipe", "pipe"],
		});
		let output = "";
		for (const stream of [child.stdout, child.stderr])
			stream.on("data", (chunk) => (output += String(chunk)));
		child.on("exit", (code) =>
			code === 0
				? resolvePromise()
				: reject(new Error(`next build failed (${code}):\n${output.slice(-4000)}`)),
		);
	});
}

export async function freePort(): Promise<number> {
	return new Promise((resolvePromise, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() =>
				typeof address === "object" && address ? resolvePromise(address.port) : reject(new Error("no port")),
			);
		});
	});
}

export interface WebServer {
	url: string;
	logs: () => string;
	close: () => Promise<void>;
}

/**
 * Runs the built web app (`next start`, building first when stale) on a free port with `env`;
 * `inherited` carries PATH and HOME from the test process. Resolves once /api/health answers.
 */
export async function startWebServer(
	env: Record<string, string>,
	inherited: Record<string, string | undefined>,
): Promise<WebServer> {
	await ensureWebBuild(inherited);
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	let output = "";
	const child: ChildProcess = spawn(nextBin, ["start", "-p", String(port), "-H", "127.0.0.1"], {
		cwd: webDirectory,
		env: { ...inherited, NEXT_TELEMETRY_DISABLED: "1", ...env, WEB_URL: url } as unknown as NodeJS.ProcessEnv,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
	const close = async () => {
		if (child.exitCode !== null || child.pid === undefined) return;
		const exited = new Promise((done) => child.once("exit", done));
		process.kill(-child.pid, "SIGTERM");
		await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
		if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
	};
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
		const healthy = await fetch(`${url}/api/health`)
			.then((response) => response.ok)
			.catch(() => false);
		if (healthy) return { url, logs: () => output, close };
		await new Promise((done) => setTimeout(done, 250));
	}
	await close();
	throw new Error(`the web app did not become healthy:\n${output}`);
}
