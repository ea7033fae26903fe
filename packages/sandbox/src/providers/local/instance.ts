import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@proliferate/logger";
import type { SandboxEgressTarget, SandboxProcessSpec } from "@proliferate/shared";
import { bwrapArguments, type RuntimeMount, sandboxBaseEnvironment, sandboxEtcFiles } from "./bwrap-args";
import type { ResourceUsage, SandboxCgroup } from "./cgroups";
import { controlRequest, waitForSupervisor } from "./control-client";
import { HostRelays } from "./host-relays";
import { internetEgressName } from "./internet-proxy";
import { runtimeDirectory, type SandboxLayout, sandboxPaths } from "./layout";

export interface InstanceOptions {
	layout: SandboxLayout;
	isolation: "bwrap" | "none";
	bwrapPath: string;
	runtimeMounts: RuntimeMount[];
	env: Record<string, string>;
	logger: Logger;
	onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
	/** Resource limits (cgroups); the sandbox joins them before bubblewrap starts. */
	cgroup?: SandboxCgroup;
	/** Called (once) when the sandbox exceeds a limit; the provider stops it. */
	onLimitExceeded?: (reason: string) => void;
}

/** How often a sandbox's cgroup counters are checked for a limit that was hit. */
const limitCheckIntervalMs = 500;

/**
 * Runs `command` after the shell joins the given cgroups (`cgroup.procs` files), so every process
 * the sandbox ever starts is inside them from the first instruction.
 */
function withinCgroups(files: string[], command: string, args: string[]): [string, string[]] {
	if (files.length === 0) return [command, args];
	const script =
		'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"';
	return ["/bin/sh", ["-c", script, "sandbox-cgroups", String(files.length), ...files, command, ...args]];
}

/** All the sandbox launcher (cgroup shell, bubblewrap) gets from the host: no platform variable. */
const hostLauncherEnvironment: Record<string, string> = {
	PATH: "/usr/local/bin:/usr/bin:/bin",
	LANG: "C.UTF-8",
};

/** First in-sandbox port used for egress relays (127.0.0.1:<port> inside the sandbox). */
const firstEgressPort = 20_001;

/**
 * One running local sandbox: the bubblewrap process with the supervisor inside, plus the host
 * halves of its relays. Created on boot, on resume and on recovery after a provider restart.
 */
export class SandboxInstance {
	readonly relays: HostRelays;
	private child: ChildProcess | undefined;
	private exited = false;
	readonly egressUrls: Record<string, string> = {};
	private outputTail = "";
	private limitTimer: NodeJS.Timeout | undefined;
	private nextEgressPort = firstEgressPort;
	private readonly socketTag = randomBytes(4).toString("hex");
	/** Sandbox-wide environment; a claim adds to it for everything started afterwards. */
	private readonly sandboxEnv: Record<string, string>;

	constructor(private readonly options: InstanceOptions) {
		this.relays = new HostRelays(options.layout.runDir);
		this.sandboxEnv = { ...options.env };
	}

	addEnvironment(env: Record<string, string>): void {
		Object.assign(this.sandboxEnv, env);
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get alive(): boolean {
		return this.child !== undefined && !this.exited;
	}

	/** A resource limit the sandbox hit, if any. */
	limitViolation(): string | null {
		return this.options.cgroup?.violation() ?? null;
	}

	resourceUsage(): ResourceUsage | null {
		return this.options.cgroup?.usage() ?? null;
	}

	get bootOutput(): string {
		return this.outputTail;
	}

	/**
	 * The supervisor's own environment: paths and locale, nothing else. The sandbox-wide environment
	 * and each process's credentials travel in the control request that starts a process, so the
	 * supervisor (readable by every process in the sandbox through /proc/<pid>/environ) holds none.
	 */
	supervisorEnvironment(): Record<string, string> {
		return this.options.isolation === "bwrap"
			? sandboxBaseEnvironment()
			: {
					...sandboxBaseEnvironment(),
					HOME: this.options.layout.home,
					PROLIFERATE_RUN_DIR: this.options.layout.runDir,
					PROLIFERATE_WORKSPACE: this.options.layout.workspace,
					PROLIFERATE_LOG_DIR: join(this.options.layout.home, ".proliferate", "logs"),
				};
	}

	/** The environment every command and process inside gets (base + sandbox-wide + egress URLs). */
	environment(extra: Record<string, string> = {}): Record<string, string> {
		return { ...this.supervisorEnvironment(), ...this.sandboxEnv, ...extra };
	}

	/** Translates an in-sandbox path for unisolated mode (where the sandbox sees host paths). */
	translate(path: string): string {
		if (this.options.isolation === "bwrap") return path;
		return path.startsWith(sandboxPaths.home)
			? join(this.options.layout.home, path.slice(sandboxPaths.home.length))
			: path;
	}

	async boot(): Promise<void> {
		const { layout } = this.options;
		mkdirSync(join(layout.runDir, "ports"), { recursive: true });
		mkdirSync(layout.etcDir, { recursive: true });
		for (const [file, content] of Object.entries(sandboxEtcFiles()))
			writeFileSync(join(layout.etcDir, file), content);
		const environment = this.supervisorEnvironment();
		const supervisor = [process.execPath === "/usr/bin/node" ? "/usr/bin/node" : "node"];
		this.options.cgroup?.create();
		const cgroupFiles = this.options.cgroup?.joinFiles() ?? [];
		if (this.options.isolation === "bwrap") {
			const [command, args] = withinCgroups(cgroupFiles, this.options.bwrapPath, [
				...bwrapArguments(layout, this.options.runtimeMounts, runtimeDirectory),
				...Object.entries(environment).flatMap(([key, value]) => ["--setenv", key, value]),
				"--",
				"/usr/bin/node",
				`${sandboxPaths.runtime}/sandbox-init.mjs`,
			]);
			// An explicit environment: bubblewrap is PID 1 of the sandbox and its /proc/1/environ is
			// readable inside, so it (and the cgroup shell) must not inherit the platform's (secrets).
			this.child = spawn(command, args, { env: hostLauncherEnvironment, stdio: ["ignore", "pipe", "pipe"] });
		} else {
			const [command, args] = withinCgroups(cgroupFiles, supervisor[0] ?? "node", [
				join(runtimeDirectory, "sandbox-init.mjs"),
			]);
			this.child = spawn(command, args, {
				cwd: layout.home,
				env: environment,
				stdio: ["ignore", "pipe", "pipe"],
			});
		}
		const remember = (chunk: Buffer) => {
			this.outputTail = (this.outputTail + chunk.toString()).slice(-4000);
		};
		this.child.stdout?.on("data", remember);
		this.child.stderr?.on("data", remember);
		this.child.on("exit", (code, signal) => {
			this.exited = true;
			clearInterval(this.limitTimer);
			this.relays.close();
			this.options.onExit(code, signal);
			void this.options.cgroup?.remove();
		});
		if (this.options.cgroup && this.options.onLimitExceeded) {
			const cgroup = this.options.cgroup;
			const report = this.options.onLimitExceeded;
			this.limitTimer = setInterval(() => {
				const reason = cgroup.violation();
				if (!reason) return;
				clearInterval(this.limitTimer);
				report(reason);
			}, limitCheckIntervalMs);
			this.limitTimer.unref();
		}
		try {
			await waitForSupervisor(layout.runDir, 30_000, () => !this.exited);
		} catch (error) {
			throw new Error(
				`${error instanceof Error ? error.message : String(error)}${this.outputTail ? `: ${this.outputTail.trim()}` : ""}`,
			);
		}
	}

	/** Relays each target into the sandbox; callable again to add targets (a claim does). */
	async openEgress(targets: SandboxEgressTarget[]): Promise<void> {
		for (const target of targets) {
			const listenPort = this.nextEgressPort++;
			// The socket is named per boot: closing an older boot's relay (Node unlinks a unix
			// socket's path on close) never removes a newer boot's socket.
			const socketName = `${target.name}-${this.socketTag}`;
			await this.relays.openEgress(socketName, target.url, target.allow);
			await controlRequest(this.options.layout.runDir, {
				type: "relay-egress",
				name: socketName,
				listenPort,
			});
			const url = new URL(target.url);
			const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
			this.egressUrls[target.name] = `http://127.0.0.1:${listenPort}${path}`;
		}
	}

	async exposePort(port: number): Promise<string> {
		await controlRequest(this.options.layout.runDir, { type: "relay-port", port });
		return this.relays.exposePort(port);
	}

	async startProcess(spec: SandboxProcessSpec): Promise<void> {
		const command = spec.command.map((part) => this.translate(part));
		await controlRequest(this.options.layout.runDir, {
			type: "start",
			name: spec.name,
			argv: command,
			cwd: this.translate(spec.cwd ?? sandboxPaths.workspace),
			env: this.environment({ ...this.egressEnvironment(), ...spec.env }),
			...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
		});
		if (spec.port !== undefined) await this.exposePort(spec.port);
	}

	/** PROLIFERATE_EGRESS_<NAME>_URL for every egress target, so processes can find them. */
	egressEnvironment(): Record<string, string> {
		const internet = this.egressUrls[internetEgressName];
		return {
			...Object.fromEntries(
				Object.entries(this.egressUrls).map(([name, url]) => [
					`PROLIFERATE_EGRESS_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`,
					url,
				]),
			),
			// curl, git, npm, pip and most tools honour these; the platform's own relays stay direct.
			...(internet
				? {
						HTTP_PROXY: internet,
						HTTPS_PROXY: internet,
						http_proxy: internet,
						https_proxy: internet,
						NO_PROXY: "127.0.0.1,localhost",
						no_proxy: "127.0.0.1,localhost",
					}
				: {}),
		};
	}

	/** Stops the supervisor's processes gracefully, then the sandbox itself. */
	async stop(): Promise<void> {
		if (!this.alive) return;
		await controlRequest(this.options.layout.runDir, { type: "shutdown" }, 5000).catch(() => {});
		await new Promise<void>((resolvePromise) => {
			if (!this.alive) return resolvePromise();
			const timer = setTimeout(() => {
				this.child?.kill("SIGKILL");
			}, 4000);
			this.child?.once("exit", () => {
				clearTimeout(timer);
				resolvePromise();
			});
		});
		this.relays.close();
	}

	kill(): void {
		this.child?.kill("SIGKILL");
		this.relays.close();
	}
}
