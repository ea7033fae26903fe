import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createScriptedModelServer, type ScriptedModelServer } from "@proliferate/scripted-model";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import { startWebServer } from "../../../server/testing/web-server";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../..");

/** A free TCP port on 127.0.0.1 (child processes need a port number before they start). */
export async function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolvePort(port));
		});
	});
}

export async function waitForHealth(
	url: string,
	child: ChildProcess,
	name: string,
	timeoutMs: number,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`${name} exited with code ${child.exitCode} before becoming healthy`);
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolveDelay) => setTimeout(resolveDelay, 500));
	}
	throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms`);
}

export function startProcess(
	name: string,
	command: string,
	args: string[],
	cwd: string,
	env: NodeJS.ProcessEnv,
	logDirectory: string,
): ChildProcess {
	const log = createWriteStream(join(logDirectory, `${name}.log`));
	const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.pid === undefined) return;
	const pid = child.pid;
	const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
	try {
		process.kill(-pid, "SIGTERM");
	} catch {
		return;
	}
	const timer = setTimeout(() => {
		try {
			process.kill(-pid, "SIGKILL");
		} catch {}
	}, 10_000);
	await exited;
	clearTimeout(timer);
}

/** The gateway as `make start` runs it (`tsx src/main.ts`), on a free port, with the given environment. */
export async function startGatewayProcess(options: {
	environment: NodeJS.ProcessEnv;
	logDirectory: string;
	port?: number;
}): Promise<{ url: string; stop: () => Promise<void> }> {
	const port = options.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	const child = startProcess(
		"gateway",
		join(repoRoot, "apps/gateway/node_modules/.bin/tsx"),
		["src/main.ts"],
		join(repoRoot, "apps/gateway"),
		{ ...options.environment, GATEWAY_PORT: String(port), GATEWAY_URL: url },
		options.logDirectory,
	);
	try {
		await waitForHealth(`${url}/health`, child, "gateway", 90_000);
	} catch (error) {
		await stopProcess(child);
		throw error;
	}
	return { url, stop: () => stopProcess(child) };
}

export interface WebPlatform {
	webUrl: string;
	gatewayUrl: string;
	demoRepoPath: string;
	logDirectory: string;
	database: TestDatabase;
	close: () => Promise<void>;
}

/**
 * The platform as `make start` runs it, for browser tests: a migrated database, a Redis prefix, the
 * scripted model, the gateway (`tsx src/main.ts`) and the web app (`next start`) as child processes,
 * local bubblewrap sandboxes with OpenCode, and the demo repository on disk.
 */
export async function startWebPlatform(options: {
	/** PATH, HOME and the like from the test process (libraries do not read process.env). */
	inherited: Record<string, string | undefined>;
	/** Keep the processes' logs (and data) after the run, for debugging. */
	keepLogs?: boolean;
	/** GitHub API the processes talk to (a local fake in tests). */
	githubApiUrl?: string;
	/** Extra settings for the gateway only (e.g. E2B credentials to configure that provider). */
	gatewayEnvironment?: Record<string, string>;
}): Promise<WebPlatform> {
	const root = mkdtempSync(join(tmpdir(), "web-e2e-"));
	const logDirectory = join(root, "logs");
	mkdirSync(logDirectory, { recursive: true });
	const database = await createTestDatabase();
	const redis: TestRedis = createTestRedis();
	const model: ScriptedModelServer = await createScriptedModelServer({});
	const demo = createDemoRepo(join(root, "repos", "demo-app"));
	const gatewayPort = await freePort();
	const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
	let webUrl = "";
	let stopWeb: () => Promise<void> = async () => {};
	const environment: NodeJS.ProcessEnv = {
		...options.inherited,
		NODE_ENV: "development",
		LOG_LEVEL: "info",
		PROLIFERATE_DATA_DIR: join(root, "data"),
		DATABASE_URL: database.url,
		REDIS_URL: redis.url,
		REDIS_KEY_PREFIX: redis.prefix,
		GATEWAY_PORT: String(gatewayPort),
		GATEWAY_URL: gatewayUrl,
		GATEWAY_JWT_SECRET: testSecret("gateway-jwt"),
		SERVICE_TO_SERVICE_SECRET: testSecret("service"),
		AGENT_LLM_BASE_URL: model.url,
		AGENT_LLM_API_KEY: "scripted-demo",
		SESSION_IDLE_TIMEOUT_SECONDS: "3600",
		AUTH_SECRET: testSecret("auth"),
		AUTH_REQUIRE_EMAIL_VERIFICATION: "false",
		SANDBOX_PROVIDER: "local",
		NEXT_TELEMETRY_DISABLED: "1",
		SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
		...(options.githubApiUrl ? { GITHUB_API_URL: options.githubApiUrl } : {}),
	};
	const children: ChildProcess[] = [];
	const close = async () => {
		await stopWeb();
		for (const child of children.reverse()) await stopProcess(child);
		await model.close();
		await redis.cleanup();
		await database.drop();
		if (!options.keepLogs) rmSync(root, { recursive: true, force: true });
	};
	try {
		const gateway = startProcess(
			"gateway",
			join(repoRoot, "apps/gateway/node_modules/.bin/tsx"),
			["src/main.ts"],
			join(repoRoot, "apps/gateway"),
			{ ...environment, ...options.gatewayEnvironment },
			logDirectory,
		);
		children.push(gateway);
		await waitForHealth(`${gatewayUrl}/health`, gateway, "gateway", 90_000);
		// The web app as `make start` runs it: built once (`next build`, skipped when fresh), then `next start`.
		const webEnvironment = Object.fromEntries(
			Object.entries(environment).filter(
				(entry): entry is [string, string] =>
					entry[1] !== undefined && !["NODE_ENV", "WEB_PORT", "WEB_URL", "PATH", "HOME"].includes(entry[0]),
			),
		);
		const web = await startWebServer(webEnvironment, options.inherited);
		stopWeb = web.close;
		webUrl = web.url;
	} catch (error) {
		await close();
		throw error;
	}
	return { webUrl, gatewayUrl, demoRepoPath: demo.path, logDirectory, database, close };
}
