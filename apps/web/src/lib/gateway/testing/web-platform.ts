import { type ChildProcess, spawn } from "node:child_process";
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

async function waitForHealth(
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

function startProcess(
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

async function stopProcess(child: ChildProcess): Promise<void> {
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
 * scripted model, the gateway (`tsx src/main.ts`) and the web app (`next dev`) as child processes,
 * local bubblewrap sandboxes with OpenCode, and the demo repository on disk.
 */
export async function startWebPlatform(options: {
	/** PATH, HOME and the like from the test process (libraries do not read process.env). */
	inherited: Record<string, string | undefined>;
	/** Keep the processes' logs (and data) after the run, for debugging. */
	keepLogs?: boolean;
}): Promise<WebPlatform> {
	const root = mkdtempSync(join(tmpdir(), "web-e2e-"));
	const logDirectory = join(root, "logs");
	mkdirSync(logDirectory, { recursive: true });
	const database = await createTestDatabase();
	const redis: TestRedis = createTestRedis();
	const model: ScriptedModelServer = await createScriptedModelServer({});
	const demo = createDemoRepo(join(root, "repos", "demo-app"));
	const [gatewayPort, webPort] = [await freePort(), await freePort()];
	const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
	const webUrl = `http://127.0.0.1:${webPort}`;
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
		WEB_PORT: String(webPort),
		WEB_URL: webUrl,
		AUTH_SECRET: testSecret("auth"),
		AUTH_REQUIRE_EMAIL_VERIFICATION: "false",
		SANDBOX_PROVIDER: "local",
		NEXT_TELEMETRY_DISABLED: "1",
	};
	const children: ChildProcess[] = [];
	const close = async () => {
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
			environment,
			logDirectory,
		);
		children.push(gateway);
		await waitForHealth(`${gatewayUrl}/health`, gateway, "gateway", 90_000);
		const web = startProcess(
			"web",
			join(repoRoot, "apps/web/node_modules/.bin/next"),
			["dev", "-p", String(webPort), "-H", "127.0.0.1"],
			join(repoRoot, "apps/web"),
			environment,
			logDirectory,
		);
		children.push(web);
		await waitForHealth(`${webUrl}/api/health`, web, "web", 300_000);
	} catch (error) {
		await close();
		throw error;
	}
	return { webUrl, gatewayUrl, demoRepoPath: demo.path, logDirectory, database, close };
}
