import { readFileSync } from "node:fs";
import type { Logger } from "@proliferate/logger";
import { SandboxProviderError } from "@proliferate/shared";
import { controlRequest } from "./control-client";
import type { SandboxLayout } from "./layout";
import type { SandboxMeta } from "./state";

/**
 * Stops the sandbox's boot when another host process (a gateway that lost the session) still
 * runs it: its supervisor is asked to shut down, then its bubblewrap process is killed, and this
 * waits until it is gone, so two boots never share one workspace.
 */
export async function stopOtherProcessBoot(
	sandboxId: string,
	layout: SandboxLayout,
	meta: SandboxMeta | null,
	logger: Logger,
): Promise<void> {
	if (!meta?.sandboxPid || !meta.hostPid || meta.hostPid === process.pid) return;
	if (!isSandboxProcess(meta.sandboxPid, layout.home)) return;
	logger.warn(
		{ sandboxId, hostPid: meta.hostPid, sandboxPid: meta.sandboxPid },
		"another process still runs this sandbox; stopping it before booting here",
	);
	await controlRequest(layout.runDir, { type: "shutdown" }, 3000).catch(() => {});
	try {
		process.kill(meta.sandboxPid, "SIGKILL");
	} catch {
		// Already gone.
	}
	const deadline = Date.now() + 10_000;
	while (isSandboxProcess(meta.sandboxPid, layout.home)) {
		if (Date.now() > deadline)
			throw new SandboxProviderError(
				"local",
				"boot",
				`the sandbox's previous boot (pid ${meta.sandboxPid}) did not stop`,
			);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/**
 * Whether another host process (a gateway, when this is the worker's provider) runs the sandbox's
 * last boot right now: its bubblewrap process is alive and is this sandbox's (not a reused pid).
 */
export function bootRunsElsewhere(layout: SandboxLayout, meta: SandboxMeta | null): boolean {
	if (!meta?.sandboxPid || !meta.hostPid || meta.hostPid === process.pid) return false;
	return isSandboxProcess(meta.sandboxPid, layout.home);
}

/** Whether `pid` is alive and is a sandbox process of this home (not a reused pid). */
function isSandboxProcess(pid: number, home: string): boolean {
	try {
		const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").at(1)?.[0];
		if (state === "Z" || state === "X") return false;
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(home);
	} catch {
		return false;
	}
}
