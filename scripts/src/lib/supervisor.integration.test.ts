import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, createTestRedis, testSecret } from "@proliferate/vitest-setup";
import { afterAll, describe, expect, it } from "vitest";
import { type PlatformApp, platformApps, type RunningApp, startApp, stopApps, waitForHealth } from "../apps";
import { superviseApps } from "./supervisor";

const logDirectory = mkdtempSync(join(tmpdir(), "supervisor-test-"));
const started: ChildProcess[] = [];

afterAll(() => {
	for (const child of started)
		if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
	rmSync(logDirectory, { recursive: true, force: true });
});

/** A real node process running `code`. */
function node(code: string): ChildProcess {
	const child = spawn(process.execPath, ["-e", code], { stdio: "ignore" });
	started.push(child);
	return child;
}

async function until(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!probe()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const alive = (child: ChildProcess | undefined) =>
	child !== undefined && child.exitCode === null && child.signalCode === null;

describe("the make start supervisor", () => {
	it("restarts an app killed by a signal, with a log line naming it and its log", async () => {
		const lines: string[] = [];
		const first = node("setInterval(() => {}, 1000)");
		const supervisor = superviseApps(
			[
				{
					child: first,
					app: {
						name: "sleeper",
						logPath: "/var/log/sleeper.log",
						restart: () => node("setInterval(() => {}, 1000)"),
					},
				},
			],
			{ log: (line) => lines.push(line), initialDelayMs: 50 },
		);
		process.kill(first.pid ?? 0, "SIGKILL");
		await until(() => supervisor.restarts("sleeper") === 1, "the restart");
		const second = supervisor.current("sleeper");
		expect(second?.pid).not.toBe(first.pid);
		expect(alive(second)).toBe(true);
		// A second crash (a segfault this time) is restarted too.
		process.kill(second?.pid ?? 0, "SIGSEGV");
		await until(() => supervisor.restarts("sleeper") === 2, "the second restart");
		expect(alive(supervisor.current("sleeper"))).toBe(true);
		expect(lines[0]).toMatch(
			/^sleeper exited \(signal SIGKILL\); restarting in 0\.1s .*Log: \/var\/log\/sleeper\.log$/,
		);
		expect(lines[1]).toMatch(/^sleeper exited \(signal SIGSEGV\); restarting/);
		supervisor.stop();
		supervisor.current("sleeper")?.kill("SIGKILL");
	});

	it("stops after a crash loop with a message naming the app and its log, and restarts nothing more", async () => {
		const lines: string[] = [];
		const crasher = () => node("process.exit(3)");
		const supervisor = superviseApps(
			[
				{
					child: node("setInterval(() => {}, 1000)"),
					app: { name: "steady", logPath: "/logs/steady.log", restart: crasher },
				},
				{ child: crasher(), app: { name: "crasher", logPath: "/logs/crasher.log", restart: crasher } },
			],
			{ log: (line) => lines.push(line), initialDelayMs: 10, maxDelayMs: 40, maxExits: 5, windowMs: 60_000 },
		);
		const loop = await supervisor.crashLoop;
		expect(loop).toMatchObject({
			name: "crasher",
			logPath: "/logs/crasher.log",
			exits: 5,
			lastExit: "code 3",
		});
		expect(loop.message).toBe(
			"crasher exited 5 times within 60s (last: code 3); stopping the platform. See its log: /logs/crasher.log",
		);
		expect(supervisor.restarts("crasher")).toBe(4);
		expect(lines.filter((line) => line.startsWith("crasher exited (code 3); restarting"))).toHaveLength(4);
		// The healthy app was left alone.
		expect(alive(supervisor.current("steady"))).toBe(true);
		expect(supervisor.restarts("steady")).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(supervisor.restarts("crasher")).toBe(4);
		supervisor.current("steady")?.kill("SIGKILL");
	});

	it("restarts the real gateway app after kill -9, and it answers /health again", async () => {
		const database = await createTestDatabase();
		const redis = createTestRedis();
		const port = await freePort();
		const gatewayApp = platformApps.find((app) => app.name === "gateway") as PlatformApp;
		const dataDirectory = join(logDirectory, "data");
		const environment: NodeJS.ProcessEnv = {
			...process.env,
			NODE_ENV: "test",
			LOG_LEVEL: "warn",
			DATABASE_URL: database.url,
			REDIS_URL: redis.url,
			REDIS_KEY_PREFIX: redis.prefix,
			PROLIFERATE_DATA_DIR: dataDirectory,
			GATEWAY_PORT: String(port),
			GATEWAY_URL: `http://127.0.0.1:${port}`,
			GATEWAY_JWT_SECRET: testSecret("user"),
			SERVICE_TO_SERVICE_SECRET: testSecret("service"),
			SANDBOX_PROVIDER: "local",
			AGENT_LLM_BASE_URL: "http://127.0.0.1:9/v1",
		};
		const running: RunningApp = startApp(gatewayApp, environment, logDirectory);
		try {
			await waitForHealth(running);
			const lines: string[] = [];
			const supervisor = superviseApps(
				[
					{
						child: running.child,
						app: {
							name: "gateway",
							logPath: join(logDirectory, "gateway.log"),
							restart: () => {
								running.child = startApp(gatewayApp, environment, logDirectory).child;
								return running.child;
							},
						},
					},
				],
				{ log: (line) => lines.push(line), initialDelayMs: 100 },
			);
			const first = running.child;
			// startApp runs the app in its own process group (pnpm → tsx → node): kill all of it.
			process.kill(-(first.pid ?? 0), "SIGKILL");
			await until(() => supervisor.restarts("gateway") === 1, "the gateway restart", 30_000);
			await waitForHealth(running);
			const health = await fetch(`http://127.0.0.1:${port}/health`);
			expect(health.status).toBe(200);
			expect(lines[0]).toMatch(/^gateway exited \(signal SIGKILL\); restarting/);
			supervisor.stop();
		} finally {
			await stopApps([running], 5000);
			await redis.cleanup();
			await database.drop();
		}
	}, 180_000);
});

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}
