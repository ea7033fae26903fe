import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type {
	SandboxEgressTarget,
	SandboxProcessSpec,
	SandboxResources,
	SandboxState,
	SandboxStopKind,
} from "@proliferate/shared";

/** What a local sandbox keeps on disk so a provider (even a new instance) can reboot it. */
export interface SandboxMeta {
	sandboxId: string;
	sessionId: string | null;
	organizationId: string | null;
	state: SandboxState;
	stateReason?: string;
	/** The kind of stop behind `stateReason`, when the sandbox stopped on its own. */
	stateKind?: SandboxStopKind;
	createdAt: string;
	expiresAt: string | null;
	env: Record<string, string>;
	processes: SandboxProcessSpec[];
	egress: SandboxEgressTarget[];
	exposedPorts: number[];
	/** Resource limits applied through cgroups at every boot. */
	resources?: SandboxResources;
	/** Snapshot taken by the last pause; resume restores it. */
	pauseSnapshotId?: string;
	/**
	 * Which boot runs the sandbox now: the id of the last boot, the host process that made it and
	 * its bubblewrap process. Another provider process (a gateway that took the session over) stops
	 * that boot before starting its own, and an older boot's exit never touches a newer boot's state.
	 */
	bootId?: string;
	hostPid?: number;
	sandboxPid?: number;
}

export function readMeta(file: string): SandboxMeta | null {
	if (!existsSync(file)) return null;
	try {
		return JSON.parse(readFileSync(file, "utf8")) as SandboxMeta;
	} catch {
		return null;
	}
}

/** Written with mode 600: it holds the sandbox's environment (which may carry secrets). */
export function writeMeta(file: string, meta: SandboxMeta): void {
	writeFileSync(file, JSON.stringify(meta, null, 2), { mode: 0o600 });
}
