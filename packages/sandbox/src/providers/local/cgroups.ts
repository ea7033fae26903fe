import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxResources } from "@proliferate/shared";

const cgroupMount = "/sys/fs/cgroup";

/** Which cgroup hierarchy the host mounts and where this process sits in it. */
export type CgroupHost =
	| { version: 2; base: string }
	| { version: 1; bases: { memory?: string; pids?: string; cpu?: string } };

/** What exceeded a limit, for the sandbox's stop reason. */
export interface LimitBreach {
	limit: "memory" | "processes" | "disk";
	reason: string;
}

function ownPaths(): Map<string, string> {
	const paths = new Map<string, string>();
	for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
		const [, controllers = "", path = ""] = line.split(":");
		for (const controller of controllers.split(",")) paths.set(controller, path);
	}
	return paths;
}

function writable(directory: string): boolean {
	try {
		const probe = join(directory, `proliferate-probe-${process.pid}`);
		mkdirSync(probe);
		rmdirSync(probe);
		return true;
	} catch {
		return false;
	}
}

/**
 * Finds where this process may create child cgroups: under its own group (so a container's or a
 * service's limits still bound every sandbox) in cgroup v2, or per controller in v1. Returns null
 * when the host gives no writable cgroups (then sandboxes run without resource limits).
 */
export function detectCgroups(root = cgroupMount): CgroupHost | null {
	if (!existsSync("/proc/self/cgroup")) return null;
	const paths = ownPaths();
	if (existsSync(join(root, "cgroup.controllers"))) {
		const base = join(root, paths.get("") ?? "/");
		return writable(base) ? { version: 2, base } : null;
	}
	const bases: { memory?: string; pids?: string; cpu?: string } = {};
	for (const controller of ["memory", "pids", "cpu"] as const) {
		const mount = [join(root, controller), join(root, "cpu,cpuacct")].find((candidate) =>
			existsSync(candidate),
		);
		if (!mount) continue;
		const base = join(mount, paths.get(controller) ?? "/");
		if (writable(base)) bases[controller] = base;
	}
	return Object.keys(bases).length > 0 ? { version: 1, bases } : null;
}

function readCounter(file: string, key: string): number {
	try {
		const line = readFileSync(file, "utf8")
			.split("\n")
			.find((entry) => entry.startsWith(`${key} `));
		return line ? Number(line.split(" ")[1]) : 0;
	} catch {
		return 0;
	}
}

const cpuWeightFromShares = (shares: number) =>
	Math.min(10_000, Math.max(1, Math.round(1 + ((shares - 2) * 9999) / 262_142)));

/** One sandbox's cgroup(s): created with its limits before bubblewrap starts, removed after it stops. */
export class SandboxCgroup {
	private readonly directories: { controller: "memory" | "pids" | "cpu" | "all"; path: string }[] = [];
	private baseline = { oom: 0, pidsMax: 0 };

	constructor(
		private readonly host: CgroupHost,
		readonly sandboxId: string,
		private readonly resources: SandboxResources,
	) {}

	/** Creates the group(s) and writes the limits. Throws when the kernel refuses a value. */
	create(): void {
		const name = join("proliferate", this.sandboxId);
		const { memoryMb, maxProcesses, cpuShares } = this.resources;
		if (this.host.version === 2) {
			const parent = join(this.host.base, "proliferate");
			mkdirSync(parent, { recursive: true });
			// Children can only use controllers their parent delegates.
			for (const directory of [this.host.base, parent]) {
				try {
					writeFileSync(join(directory, "cgroup.subtree_control"), "+memory +pids +cpu");
				} catch {
					// Some controllers may not be available to delegate; limits below then fail loudly.
				}
			}
			const path = join(this.host.base, name);
			mkdirSync(path, { recursive: true });
			this.directories.push({ controller: "all", path });
			if (memoryMb) {
				writeFileSync(join(path, "memory.max"), String(memoryMb * 1024 * 1024));
				try {
					writeFileSync(join(path, "memory.swap.max"), "0");
				} catch {
					// swap accounting off: memory.max alone still bounds resident memory
				}
			}
			if (maxProcesses) writeFileSync(join(path, "pids.max"), String(maxProcesses));
			if (cpuShares) writeFileSync(join(path, "cpu.weight"), String(cpuWeightFromShares(cpuShares)));
		} else {
			const { bases } = this.host;
			if (memoryMb && bases.memory) {
				const path = join(bases.memory, name);
				mkdirSync(path, { recursive: true });
				writeFileSync(join(path, "memory.limit_in_bytes"), String(memoryMb * 1024 * 1024));
				try {
					writeFileSync(join(path, "memory.memsw.limit_in_bytes"), String(memoryMb * 1024 * 1024));
				} catch {
					// swap accounting off
				}
				this.directories.push({ controller: "memory", path });
			}
			if (maxProcesses && bases.pids) {
				const path = join(bases.pids, name);
				mkdirSync(path, { recursive: true });
				writeFileSync(join(path, "pids.max"), String(maxProcesses));
				this.directories.push({ controller: "pids", path });
			}
			if (cpuShares && bases.cpu) {
				const path = join(bases.cpu, name);
				mkdirSync(path, { recursive: true });
				writeFileSync(join(path, "cpu.shares"), String(cpuShares));
				this.directories.push({ controller: "cpu", path });
			}
		}
		this.baseline = { oom: this.oomKills(), pidsMax: this.pidsMaxHits() };
	}

	/** `cgroup.procs` files the sandbox's first process joins before it execs bubblewrap. */
	procsFiles(): string[] {
		return this.directories.map((directory) => join(directory.path, "cgroup.procs"));
	}

	/** Wraps a command so it starts inside the group(s): every process it forks inherits them. */
	wrap(command: string, args: string[]): { command: string; args: string[] } {
		const files = this.procsFiles();
		if (files.length === 0) return { command, args };
		return {
			command: "/bin/sh",
			args: [
				"-c",
				'for f in $PROLIFERATE_CGROUP_PROCS; do echo $$ > "$f" || exit 90; done; exec "$@"',
				"sh",
				command,
				...args,
			],
		};
	}

	environment(): Record<string, string> {
		return { PROLIFERATE_CGROUP_PROCS: this.procsFiles().join(" ") };
	}

	private file(controller: "memory" | "pids", v1: string, v2: string): string | null {
		const directory = this.directories.find(
			(entry) => entry.controller === controller || entry.controller === "all",
		);
		return directory ? join(directory.path, this.host.version === 2 ? v2 : v1) : null;
	}

	private oomKills(): number {
		const file = this.file("memory", "memory.oom_control", "memory.events");
		return file ? readCounter(file, "oom_kill") : 0;
	}

	private pidsMaxHits(): number {
		const file = this.file("pids", "pids.events", "pids.events");
		return file ? readCounter(file, "max") : 0;
	}

	/** A limit the sandbox has run into since it started, if any. */
	breach(): LimitBreach | null {
		if (this.oomKills() > this.baseline.oom) {
			return {
				limit: "memory",
				reason: `the sandbox exceeded its memory limit (${this.resources.memoryMb} MB): the kernel killed a process`,
			};
		}
		if (this.pidsMaxHits() > this.baseline.pidsMax) {
			return {
				limit: "processes",
				reason: `the sandbox exceeded its process limit (${this.resources.maxProcesses} processes)`,
			};
		}
		return null;
	}

	/** Removes the group(s); processes must have exited. Retries briefly while the kernel reaps them. */
	async remove(): Promise<void> {
		for (const directory of this.directories.splice(0)) {
			for (let attempt = 0; attempt < 20; attempt++) {
				try {
					if (existsSync(directory.path)) rmdirSync(directory.path);
					break;
				} catch {
					await new Promise((resolve) => setTimeout(resolve, 100));
				}
			}
		}
	}
}
