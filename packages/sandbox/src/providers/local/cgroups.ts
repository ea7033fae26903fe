import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxResources } from "@proliferate/shared";

/** The cgroup hierarchy this host mounts and where this process sits in it. */
export type CgroupHost =
	| { version: 1; memory: string | null; pids: string | null; cpu: string | null }
	| { version: 2; base: string };

export interface ResourceUsage {
	memoryBytes: number | null;
	memoryLimitBytes: number | null;
	processes: number | null;
	processLimit: number | null;
	cpuShares: number | null;
}

const parentName = "proliferate";

interface CgroupMount {
	/** Where the hierarchy is mounted, and which of its groups that mount shows at its root. */
	path: string;
	root: string;
	type: string;
	options: string[];
}

/** cgroup mounts from /proc/self/mountinfo (`id parent dev root mountpoint opts - type source superopts`). */
function parseMounts(): CgroupMount[] {
	try {
		return readFileSync("/proc/self/mountinfo", "utf8")
			.split("\n")
			.flatMap((line) => {
				const [before, after] = line.split(" - ");
				const fields = before?.split(" ") ?? [];
				const [type, , superOptions] = after?.split(" ") ?? [];
				if (type !== "cgroup" && type !== "cgroup2") return [];
				return [
					{ path: fields[4] ?? "", root: fields[3] ?? "/", type, options: (superOptions ?? "").split(",") },
				];
			});
	} catch {
		return [];
	}
}

/** The directory of group `own` (a path in the hierarchy) under a mount that shows `mount.root`. */
function groupDirectory(mount: CgroupMount, own: string): string {
	const relativeToMount =
		mount.root !== "/" && (own === mount.root || own.startsWith(`${mount.root}/`))
			? own.slice(mount.root.length)
			: own;
	return join(mount.path, relativeToMount || "/");
}

/** This process's cgroup path per v1 controller (and "" for v2), from /proc/self/cgroup. */
function ownPaths(): Map<string, string> {
	const paths = new Map<string, string>();
	try {
		for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
			const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
			if (controllers === undefined || path === undefined) continue;
			for (const controller of controllers.split(",")) paths.set(controller, path);
		}
	} catch {}
	return paths;
}

function writable(directory: string): boolean {
	try {
		mkdirSync(directory, { recursive: true });
		return existsSync(join(directory, "cgroup.procs"));
	} catch {
		return false;
	}
}

/**
 * Finds where sandboxes' cgroups can be made: a `proliferate` group under this process's own group
 * (so the host's limits on the platform still hold), per v1 controller, or in the v2 hierarchy with
 * the memory, pids and cpu controllers enabled for its children. Null when none can be written.
 */
export function detectCgroups(): CgroupHost | null {
	const mounts = parseMounts();
	const own = ownPaths();
	const v1 = (controller: string) => {
		const mount = mounts.find((entry) => entry.type === "cgroup" && entry.options.includes(controller));
		if (!mount) return null;
		const directory = join(groupDirectory(mount, own.get(controller) ?? "/"), parentName);
		return writable(directory) ? directory : null;
	};
	const memory = v1("memory");
	const pids = v1("pids");
	const cpu = v1("cpu");
	if (memory || pids || cpu) return { version: 1, memory, pids, cpu };
	const unified = mounts.find((entry) => entry.type === "cgroup2");
	if (!unified) return null;
	const base = join(groupDirectory(unified, own.get("") ?? "/"), parentName);
	if (!writable(base)) return null;
	try {
		writeFileSync(join(base, "cgroup.subtree_control"), "+memory +pids +cpu");
		return { version: 2, base };
	} catch {
		return null;
	}
}

function readNumber(file: string): number | null {
	try {
		const text = readFileSync(file, "utf8").trim();
		if (text === "max") return null;
		const value = Number(text);
		return Number.isFinite(value) ? value : null;
	} catch {
		return null;
	}
}

function readCounter(file: string, key: string): number {
	try {
		const match = readFileSync(file, "utf8").match(new RegExp(`^${key} (\\d+)$`, "m"));
		return Number(match?.[1] ?? 0);
	} catch {
		return 0;
	}
}

/** cgroup v1 reports "no limit" as a number near 2^63. */
const unlimitedV1 = 2 ** 62;

/**
 * One sandbox's cgroups (memory, process count, CPU share). The sandbox's first process joins them
 * before it execs bubblewrap (`joinFiles`), so everything the sandbox ever runs is inside.
 */
export class SandboxCgroup {
	private readonly directories: { memory: string | null; pids: string | null; cpu: string | null };

	constructor(
		private readonly host: CgroupHost,
		sandboxId: string,
		readonly limits: SandboxResources,
	) {
		if (host.version === 1) {
			this.directories = {
				memory: host.memory && limits.memoryMb ? join(host.memory, sandboxId) : null,
				pids: host.pids && limits.maxProcesses ? join(host.pids, sandboxId) : null,
				cpu: host.cpu && limits.cpuShares ? join(host.cpu, sandboxId) : null,
			};
		} else {
			const directory = join(host.base, sandboxId);
			this.directories = { memory: directory, pids: directory, cpu: directory };
		}
	}

	/** Creates the groups and writes the limits. */
	create(): void {
		const { memoryMb, maxProcesses, cpuShares } = this.limits;
		for (const directory of new Set(Object.values(this.directories))) {
			if (!directory) continue;
			// A group left by an earlier boot of this sandbox would carry its counters: start afresh.
			try {
				rmdirSync(directory);
			} catch {}
			mkdirSync(directory, { recursive: true });
		}
		const { memory, pids, cpu } = this.directories;
		if (this.host.version === 1) {
			if (memory && memoryMb) {
				const bytes = String(memoryMb * 1024 * 1024);
				writeFileSync(join(memory, "memory.limit_in_bytes"), bytes);
				// Swap counts too where the kernel accounts it, so the limit cannot be dodged by swapping.
				try {
					writeFileSync(join(memory, "memory.memsw.limit_in_bytes"), bytes);
				} catch {}
			}
			if (pids && maxProcesses) writeFileSync(join(pids, "pids.max"), String(maxProcesses));
			if (cpu && cpuShares) writeFileSync(join(cpu, "cpu.shares"), String(cpuShares));
			return;
		}
		if (memory && memoryMb) {
			writeFileSync(join(memory, "memory.max"), String(memoryMb * 1024 * 1024));
			writeFileSync(join(memory, "memory.swap.max"), "0");
		}
		if (pids && maxProcesses) writeFileSync(join(pids, "pids.max"), String(maxProcesses));
		// cgroup v2 weight 1..10000 (100 = default) from v1-style shares (1024 = default).
		if (cpu && cpuShares)
			writeFileSync(
				join(cpu, "cpu.weight"),
				String(Math.max(1, Math.min(10_000, Math.round((cpuShares * 100) / 1024)))),
			);
	}

	/** The `cgroup.procs` files the sandbox's first process writes its pid to. */
	joinFiles(): string[] {
		return [...new Set(Object.values(this.directories))]
			.filter((directory): directory is string => directory !== null)
			.map((directory) => join(directory, "cgroup.procs"));
	}

	/** Why the sandbox must stop (a limit was hit), or null. */
	violation(): string | null {
		return this.limitHit()?.reason ?? null;
	}

	/** The limit the sandbox hit (which one, and why it must stop), or null. */
	limitHit(): { kind: "memory_limit" | "process_limit"; reason: string } | null {
		const { memory, pids } = this.directories;
		const { memoryMb, maxProcesses } = this.limits;
		if (memory && memoryMb) {
			const killed =
				this.host.version === 1
					? readCounter(join(memory, "memory.oom_control"), "oom_kill") +
						readCounter(join(memory, "memory.oom_control"), "under_oom")
					: readCounter(join(memory, "memory.events"), "oom_kill");
			if (killed > 0)
				return { kind: "memory_limit", reason: `the sandbox exceeded its memory limit (${memoryMb} MB)` };
		}
		if (pids && maxProcesses && readCounter(join(pids, "pids.events"), "max") > 0)
			return {
				kind: "process_limit",
				reason: `the sandbox exceeded its process limit (${maxProcesses} processes)`,
			};
		return null;
	}

	usage(): ResourceUsage {
		const { memory, pids, cpu } = this.directories;
		const v1 = this.host.version === 1;
		const limit = memory ? readNumber(join(memory, v1 ? "memory.limit_in_bytes" : "memory.max")) : null;
		return {
			memoryBytes: memory ? readNumber(join(memory, v1 ? "memory.usage_in_bytes" : "memory.current")) : null,
			memoryLimitBytes: limit !== null && limit >= unlimitedV1 ? null : limit,
			processes: pids ? readNumber(join(pids, "pids.current")) : null,
			processLimit: pids ? readNumber(join(pids, "pids.max")) : null,
			cpuShares: cpu ? readNumber(join(cpu, v1 ? "cpu.shares" : "cpu.weight")) : null,
		};
	}

	/** Removes the groups once their processes are gone (retrying briefly while they exit). */
	async remove(): Promise<void> {
		for (const directory of new Set(Object.values(this.directories))) {
			if (!directory) continue;
			for (let attempt = 0; attempt < 20; attempt++) {
				try {
					rmdirSync(directory);
					break;
				} catch (error) {
					if ((error as NodeJS.ErrnoException).code === "ENOENT") break;
					await new Promise((resolve) => setTimeout(resolve, 100));
				}
			}
		}
	}
}
