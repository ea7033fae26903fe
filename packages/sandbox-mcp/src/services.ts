import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import {
	type ServiceInfo,
	type ServiceSpec,
	type ServiceStatus,
	type StartServiceRequest,
	serviceSpec,
} from "@proliferate/shared/sandbox";
import { z } from "zod";
import {
	PortNotListeningError,
	ServiceHasNoPortError,
	ServiceNotFoundError,
	ServiceNotRunningError,
} from "./errors";

/** Output kept in memory per service for tails and followers (the full log is on disk). */
const memoryLogBytes = 512 * 1024;
const outcomeTailBytes = 4096;
const stopGraceMs = 5000;

export type ServiceLogListener = (
	event: { kind: "log"; text: string } | { kind: "exit"; info: ServiceInfo },
) => void;

interface Service {
	spec: ServiceSpec;
	saved: boolean;
	status: ServiceStatus;
	child: ChildProcess | null;
	log: WriteStream | null;
	memory: string;
	startedAt: Date | null;
	endedAt: Date | null;
	exitCode: number | null;
	signal: string | null;
	restarts: number;
	listeners: Set<ServiceLogListener>;
	exited: Promise<void> | null;
}

export interface ServiceManagerOptions {
	workspace: string;
	logDirectory: string;
	env: Record<string, string>;
	/** JSON file with the repository's saved service commands (`[{ name, command, cwd? }]`). */
	savedServicesFile?: string;
	resolveCwd: (path: string) => string;
}

const savedFile = z.array(z.unknown());

/**
 * Long-running service commands (dev servers, databases): each runs as `bash -lc <command>` in its
 * own process group, its output goes to `<logDirectory>/<name>.log` and to followers.
 */
export class ServiceManager {
	private readonly services = new Map<string, Service>();

	constructor(private readonly options: ServiceManagerOptions) {
		mkdirSync(options.logDirectory, { recursive: true });
	}

	/** The repository's saved service commands (read on each call: the gateway may rewrite the file). */
	savedSpecs(): ServiceSpec[] {
		const file = this.options.savedServicesFile;
		if (!file || !existsSync(file)) return [];
		try {
			// Entries that do not fit (a name with spaces saved by an older tool) are skipped, not fatal.
			return savedFile.parse(JSON.parse(readFileSync(file, "utf8"))).flatMap((entry) => {
				const parsed = serviceSpec.safeParse(entry);
				return parsed.success ? [parsed.data] : [];
			});
		} catch {
			return [];
		}
	}

	list(): ServiceInfo[] {
		const saved = this.savedSpecs().filter((spec) => !this.services.has(spec.name));
		return [
			...[...this.services.values()].map((service) => this.describe(service)),
			...saved.map((spec) => this.describe(this.blank(spec, true))),
		];
	}

	get(name: string): ServiceInfo {
		return this.describe(this.find(name));
	}

	private find(name: string): Service {
		const service = this.services.get(name);
		if (service) return service;
		const saved = this.savedSpecs().find((spec) => spec.name === name);
		if (saved) return this.blank(saved, true);
		throw new ServiceNotFoundError(name);
	}

	private blank(spec: ServiceSpec, saved: boolean): Service {
		return {
			spec,
			saved,
			status: "not_started",
			child: null,
			log: null,
			memory: "",
			startedAt: null,
			endedAt: null,
			exitCode: null,
			signal: null,
			restarts: 0,
			listeners: new Set(),
			exited: null,
		};
	}

	private describe(service: Service): ServiceInfo {
		const ended = service.status === "exited" || service.status === "failed";
		return {
			name: service.spec.name,
			command: service.spec.command,
			cwd: service.spec.cwd ?? ".",
			port: service.spec.port ?? null,
			status: service.status,
			saved: service.saved,
			pid: service.child?.pid ?? null,
			startedAt: service.startedAt?.toISOString() ?? null,
			endedAt: service.endedAt?.toISOString() ?? null,
			exitCode: service.exitCode,
			signal: service.signal,
			restarts: service.restarts,
			outputTail: ended ? service.memory.slice(-outcomeTailBytes) : null,
		};
	}

	/** Starts a service (a new command, or a saved one by name); a running one of that name is restarted. */
	async start(request: StartServiceRequest): Promise<ServiceInfo> {
		let spec: ServiceSpec;
		let saved = false;
		if ("command" in request) spec = request;
		else {
			const found = this.savedSpecs().find((candidate) => candidate.name === request.name);
			const existing = this.services.get(request.name);
			if (found) {
				spec = found;
				saved = true;
			} else if (existing) {
				spec = existing.spec;
				saved = existing.saved;
			} else throw new ServiceNotFoundError(request.name);
		}
		const cwd = this.options.resolveCwd(spec.cwd ?? ".");
		const previous = this.services.get(spec.name);
		if (previous?.child && previous.exited) await this.stopService(previous);
		const service = this.blank(spec, saved || (previous?.saved ?? false));
		service.restarts = previous ? previous.restarts + (previous.startedAt ? 1 : 0) : 0;
		service.listeners = previous?.listeners ?? new Set();
		this.services.set(spec.name, service);
		service.log = createWriteStream(join(this.options.logDirectory, `${spec.name}.log`), { flags: "a" });
		const child = spawn("/bin/bash", ["-lc", spec.command], {
			cwd,
			env: {
				...this.options.env,
				...(spec.port ? { PORT: String(spec.port) } : {}),
				...spec.env,
			},
			stdio: ["ignore", "pipe", "pipe"],
			detached: true,
		});
		service.child = child;
		service.status = "running";
		service.startedAt = new Date();
		const record = (chunk: Buffer) => {
			const text = chunk.toString("utf8");
			service.memory = (service.memory + text).slice(-memoryLogBytes);
			service.log?.write(chunk);
			for (const listener of service.listeners) listener({ kind: "log", text });
		};
		child.stdout?.on("data", record);
		child.stderr?.on("data", record);
		service.exited = new Promise<void>((resolve) => {
			child.once("error", (error) => {
				record(Buffer.from(`[sandbox-mcp] cannot start: ${error.message}\n`));
			});
			child.once("close", (code, signal) => {
				service.exitCode = code;
				service.signal = signal;
				service.endedAt = new Date();
				if (service.status === "stopping") service.status = "stopped";
				else service.status = code === 0 ? "exited" : "failed";
				service.log?.end(`[sandbox-mcp] ${spec.name} ended (${signal ?? `exit code ${code}`})\n`);
				service.log = null;
				const info = this.describe(service);
				for (const listener of service.listeners) listener({ kind: "exit", info });
				resolve();
			});
		});
		return this.describe(service);
	}

	private async stopService(service: Service): Promise<void> {
		const child = service.child;
		if (!child?.pid || service.status !== "running") {
			await service.exited;
			return;
		}
		service.status = "stopping";
		const group = -child.pid;
		try {
			process.kill(group, "SIGTERM");
		} catch {}
		const timer = setTimeout(() => {
			try {
				process.kill(group, "SIGKILL");
			} catch {}
		}, stopGraceMs);
		await service.exited;
		clearTimeout(timer);
		// Anything of its group still alive (a daemon that ignored SIGTERM) goes too.
		try {
			process.kill(group, "SIGKILL");
		} catch {}
	}

	async stop(name: string): Promise<ServiceInfo> {
		const service = this.services.get(name);
		if (!service) return this.describe(this.find(name));
		await this.stopService(service);
		return this.describe(service);
	}

	async restart(name: string): Promise<ServiceInfo> {
		const service = this.find(name);
		return this.start({ ...service.spec });
	}

	/** The last `lines` lines of the service's output. */
	tail(name: string, lines: number): string {
		const service = this.find(name);
		if (lines === 0) return "";
		const all = service.memory.split("\n");
		const trailing = all.at(-1) === "" ? 1 : 0;
		return all.slice(-(lines + trailing)).join("\n");
	}

	/** Subscribes to a service's output and end; returns the unsubscribe function. */
	follow(name: string, listener: ServiceLogListener): () => void {
		const service = this.services.get(name);
		if (!service) throw new ServiceNotFoundError(name);
		service.listeners.add(listener);
		return () => service.listeners.delete(listener);
	}

	isRunning(name: string): boolean {
		return this.services.get(name)?.status === "running";
	}

	/** Checks the service runs and that its port accepts connections (waiting up to `timeoutMs`). */
	async waitForPort(name: string, timeoutMs: number): Promise<number> {
		const service = this.find(name);
		const port = service.spec.port;
		if (!port) throw new ServiceHasNoPortError(name);
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (service.status !== "running") {
				throw new ServiceNotRunningError(
					name,
					service.status,
					service.startedAt
						? {
								exitCode: service.exitCode,
								signal: service.signal,
								outputTail: service.memory.slice(-outcomeTailBytes),
							}
						: undefined,
				);
			}
			if (await portAcceptsConnections(port)) return port;
			if (Date.now() > deadline)
				throw new PortNotListeningError(name, port, service.memory.slice(-outcomeTailBytes));
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}

	async stopAll(): Promise<void> {
		await Promise.all([...this.services.values()].map((service) => this.stopService(service)));
	}
}

function portAcceptsConnections(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1");
		socket.once("connect", () => {
			socket.destroy();
			resolve(true);
		});
		socket.once("error", () => resolve(false));
	});
}
