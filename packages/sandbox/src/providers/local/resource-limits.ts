import { execFile } from "node:child_process";
import type { Logger } from "@proliferate/logger";
import type { SandboxResources, SandboxStopKind } from "@proliferate/shared";
import { type CgroupHost, detectCgroups, SandboxCgroup } from "./cgroups";

export interface SandboxLimits {
	cgroup?: SandboxCgroup;
	onLimitExceeded?: (reason: string) => void;
}

/** Memory, process and CPU limits through cgroups, on the host hierarchy found on first use. */
export class ResourceLimiter {
	private cgroupHost: CgroupHost | null | undefined;

	constructor(private readonly logger: Logger) {}

	/** The sandbox's cgroups when it has limits and the host lets us create groups. */
	limitsFor(
		sandboxId: string,
		resources: SandboxResources | undefined,
		onExceeded: (reason: string, kind: SandboxStopKind) => void,
	): SandboxLimits {
		const limits = Object.fromEntries(
			Object.entries(resources ?? {}).filter(([, value]) => typeof value === "number" && value > 0),
		) as SandboxResources;
		if (!limits.memoryMb && !limits.maxProcesses && !limits.cpuShares) return {};
		if (this.cgroupHost === undefined) {
			this.cgroupHost = detectCgroups();
			if (!this.cgroupHost)
				this.logger.warn(
					"resource limits are configured but no writable cgroup hierarchy was found: sandboxes run without memory, process and CPU limits",
				);
		}
		if (!this.cgroupHost) return {};
		const cgroup = new SandboxCgroup(this.cgroupHost, sandboxId, limits);
		return {
			cgroup,
			onLimitExceeded: (reason) => onExceeded(reason, cgroup.limitHit()?.kind ?? "memory_limit"),
		};
	}

	/** For `health()`: which cgroup version limits sandboxes, if any. */
	describe(): string {
		this.cgroupHost ??= detectCgroups();
		return this.cgroupHost
			? `resource limits through cgroup v${this.cgroupHost.version}`
			: "no resource limits (no writable cgroups)";
	}
}

/** Disk used by a directory tree in MB (`du`: hard links counted once, sparse files as allocated). */
export function diskUsageMb(directory: string): Promise<number> {
	return new Promise((resolve) => {
		execFile("du", ["-sk", directory], { timeout: 60_000 }, (error, stdout) => {
			resolve(error ? 0 : Number(stdout.split(/\s/)[0] ?? 0) / 1024);
		});
	});
}
