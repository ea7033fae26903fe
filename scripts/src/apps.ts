import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { bold, cyan, dim, red, yellow } from "./lib/output";
import { repoRoot } from "./lib/paths";

/** Every process of the platform that `make start` runs, in start order. */
export interface PlatformApp {
	name: string;
	directory: string;
	/** Environment key holding its port and the URL path answering health checks. */
	portKey: string;
	defaultPort: number;
	healthPath: string;
	/** Shown in the summary when the app is meant to be opened in a browser. */
	public?: boolean;
	/** Seconds to wait for health (the web app compiles on first start). */
	startTimeoutSeconds: number;
}

export const platformApps: PlatformApp[] = [
	{
		name: "scripted-model",
		directory: "packages/scripted-model",
		portKey: "SCRIPTED_MODEL_PORT",
		defaultPort: 4300,
		healthPath: "/health",
		startTimeoutSeconds: 60,
	},
	{
		name: "llm-proxy",
		directory: "apps/llm-proxy",
		portKey: "LLM_PROXY_PORT",
		defaultPort: 4200,
		healthPath: "/health",
		startTimeoutSeconds: 60,
	},
	{
		name: "gateway",
		directory: "apps/gateway",
		portKey: "GATEWAY_PORT",
		defaultPort: 4100,
		healthPath: "/health",
		startTimeoutSeconds: 90,
	},
	{
		name: "worker",
		directory: "apps/worker",
		portKey: "WORKER_HEALTH_PORT",
		defaultPort: 4400,
		healthPath: "/health",
		startTimeoutSeconds: 60,
	},
	{
		name: "trigger-service",
		directory: "apps/trigger-service",
		portKey: "TRIGGER_SERVICE_PORT",
		defaultPort: 4500,
		healthPath: "/health",
		startTimeoutSeconds: 60,
	},
	{
		name: "web",
		directory: "apps/web",
		portKey: "WEB_PORT",
		defaultPort: 3000,
		healthPath: "/api/health",
		public: true,
		startTimeoutSeconds: 600,
	},
];

/** Apps present in this checkout: a package.json with a `start` script. */
export function installedApps(): PlatformApp[] {
	return platformApps.filter((app) => {
		const manifest = join(repoRoot, app.directory, "package.json");
		if (!existsSync(manifest)) return false;
		const scripts = (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> })
			.scripts;
		return Boolean(scripts?.start);
	});
}

const levelNames: Record<number, string> = {
	10: "trace",
	20: "debug",
	30: "info",
	40: "warn",
	50: "error",
	60: "fatal",
};

/** Renders a pino JSON line compactly; other lines pass through. */
function renderLine(line: string): string {
	if (!line.startsWith("{")) return line;
	try {
		const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } } & Record<
			string,
			unknown
		>;
		const level = levelNames[entry.level ?? 30] ?? "info";
		const tag =
			level === "error" || level === "fatal" ? red(level) : level === "warn" ? yellow(level) : dim(level);
		const error = entry.err?.message ? ` ${red(entry.err.message)}` : "";
		return `${tag} ${entry.msg ?? ""}${error}`;
	} catch {
		return line;
	}
}

export interface RunningApp {
	app: PlatformApp;
	port: number;
	/** The app's current process (the supervisor replaces it on restart). */
	child: ChildProcess;
	url: string;
}

/** Where `make start` writes an app's output. */
export function appLogPath(app: PlatformApp, logDirectory: string): string {
	return join(logDirectory, `${app.name}.log`);
}

export function startApp(app: PlatformApp, environment: NodeJS.ProcessEnv, logDirectory: string): RunningApp {
	mkdirSync(logDirectory, { recursive: true });
	const port = Number.parseInt(environment[app.portKey] ?? String(app.defaultPort), 10);
	const logFile = createWriteStream(appLogPath(app, logDirectory), { flags: "a" });
	const child = spawn("pnpm", ["--silent", "-C", app.directory, "start"], {
		cwd: repoRoot,
		env: { ...environment, [app.portKey]: String(port), FORCE_COLOR: "0" },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	const prefix = cyan(`[${app.name}]`.padEnd(18));
	for (const stream of [child.stdout, child.stderr]) {
		if (!stream) continue;
		createInterface({ input: stream }).on("line", (line) => {
			logFile.write(`${line}\n`);
			process.stdout.write(`${prefix} ${renderLine(line)}\n`);
		});
	}
	child.on("exit", (code, signal) => {
		logFile.end();
		if (code !== 0 && signal !== "SIGTERM" && signal !== "SIGINT") {
			process.stdout.write(
				`${prefix} ${red(`exited (${signal ?? `code ${code}`})`)} ${dim(`log: ${appLogPath(app, logDirectory)}`)}\n`,
			);
		}
	});
	return { app, port, child, url: `http://localhost:${port}` };
}

export async function waitForHealth(running: RunningApp): Promise<void> {
	const deadline = Date.now() + running.app.startTimeoutSeconds * 1000;
	let delay = 200;
	while (Date.now() < deadline) {
		if (running.child.exitCode !== null) {
			throw new Error(
				`${running.app.name} exited with code ${running.child.exitCode} before becoming healthy`,
			);
		}
		try {
			const response = await fetch(`http://127.0.0.1:${running.port}${running.app.healthPath}`, {
				signal: AbortSignal.timeout(3000),
			});
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, delay));
		delay = Math.min(delay * 1.5, 2000);
	}
	throw new Error(
		`${running.app.name} did not answer ${running.app.healthPath} within ${running.app.startTimeoutSeconds}s`,
	);
}

/** SIGTERM each app's process group, SIGKILL whatever is left after `graceMs`. */
export async function stopApps(apps: RunningApp[], graceMs = 10_000): Promise<void> {
	await Promise.all(
		apps.map(
			(running) =>
				new Promise<void>((resolve) => {
					const { child } = running;
					if (child.exitCode !== null || child.pid === undefined) return resolve();
					const pid = child.pid;
					const timer = setTimeout(() => {
						try {
							process.kill(-pid, "SIGKILL");
						} catch {}
						resolve();
					}, graceMs);
					child.once("exit", () => {
						clearTimeout(timer);
						resolve();
					});
					try {
						process.kill(-pid, "SIGTERM");
					} catch {
						resolve();
					}
				}),
		),
	);
}

export function summary(apps: RunningApp[]): string {
	const lines = apps.map(
		(running) => `  ${running.app.name.padEnd(16)} ${running.url}${dim(running.app.healthPath)}`,
	);
	const web = apps.find((running) => running.app.public);
	return [
		"",
		bold("Proliferate is running."),
		...lines,
		"",
		web
			? `${bold("Open")} ${cyan(web.url)}`
			: yellow("The web app is not part of this checkout yet; the services above are up (try `make demo`)."),
	].join("\n");
}

/** Sources whose changes call for a new production build of an app (its own and the workspace packages it bundles). */
const buildInputs = ["src", "next.config.ts", "package.json"];
const workspaceSourceDirectories = [
	"packages/services/src",
	"packages/shared/src",
	"packages/db/src",
	"packages/environment/src",
	"packages/logger/src",
	"packages/gateway-clients/src",
];

function newestModification(path: string): number {
	if (!existsSync(path)) return 0;
	const stats = statSync(path);
	if (!stats.isDirectory()) return stats.mtimeMs;
	let newest = stats.mtimeMs;
	for (const entry of readdirSync(path)) {
		if (entry === "node_modules" || entry === ".next" || entry.startsWith(".")) continue;
		newest = Math.max(newest, newestModification(join(path, entry)));
	}
	return newest;
}

/** Apps with a `build` script (the Next.js web app) need one before `start` when sources changed since the last. */
export function appNeedsBuild(app: PlatformApp): boolean {
	const manifest = join(repoRoot, app.directory, "package.json");
	const scripts = (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> })
		.scripts;
	if (!scripts?.build) return false;
	const buildId = join(repoRoot, app.directory, ".next", "BUILD_ID");
	if (!existsSync(buildId)) return true;
	const builtAt = statSync(buildId).mtimeMs;
	const inputs = [
		...buildInputs.map((input) => join(repoRoot, app.directory, input)),
		...workspaceSourceDirectories.map((directory) => join(repoRoot, directory)),
	];
	return inputs.some((input) => newestModification(input) > builtAt);
}

/** Runs the app's `build` script, reporting each line of its output through `progress`. */
export function buildApp(
	app: PlatformApp,
	environment: NodeJS.ProcessEnv,
	logDirectory: string,
	progress: (line: string) => void,
): Promise<void> {
	mkdirSync(logDirectory, { recursive: true });
	const logPath = join(logDirectory, `${app.name}-build.log`);
	const logFile = createWriteStream(logPath, { flags: "w" });
	const child = spawn("pnpm", ["--silent", "-C", app.directory, "build"], {
		cwd: repoRoot,
		env: { ...environment, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: "0" },
		stdio: ["ignore", "pipe", "pipe"],
	});
	for (const stream of [child.stdout, child.stderr]) {
		createInterface({ input: stream }).on("line", (line) => {
			logFile.write(`${line}\n`);
			const text = line.trim();
			if (text) progress(text.length > 80 ? `${text.slice(0, 77)}…` : text);
		});
	}
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("exit", (code) => {
			logFile.end();
			if (code === 0) resolve();
			else reject(new Error(`${app.name} build failed (exit ${code}); see ${logPath}`));
		});
	});
}
