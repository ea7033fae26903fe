import { existsSync } from "node:fs";
import type { Logger } from "@proliferate/logger";
import { SandboxProviderError, type SandboxResources, type SandboxStopKind } from "@proliferate/shared";
import type { RuntimeMount } from "./bwrap-args";

export interface LocalProviderConfig {
	/** Sandboxes live in `<dataDirectory>/sandboxes`, snapshots in `<dataDirectory>/snapshots`. */
	dataDirectory: string;
	/** Host directories bind-mounted read-only into every sandbox (OpenCode binary, sandbox-mcp bundle). */
	runtimeMounts?: RuntimeMount[];
	/** Run without bubblewrap (no isolation). Only when the operator explicitly allows it. */
	allowUnisolated?: boolean;
	bwrapPath?: string;
	defaultLifetimeSeconds?: number;
	/**
	 * Default resource limits per sandbox (a sandbox's own `resources` override them), enforced with
	 * cgroups (v1 or v2, whichever the host mounts). A sandbox that exceeds one is stopped.
	 */
	resources?: SandboxResources;
	logger?: Logger;
	/**
	 * Internet access for sandboxes (off when absent): through an egress proxy that refuses
	 * loopback, private and reserved addresses, except `allowCidrs` an operator opens on purpose.
	 */
	internet?: { allowCidrs?: string[]; allowedPorts?: number[] };
	/** Called when a sandbox stops on its own (limit, expired, crashed); listeners can also subscribe later. */
	onSandboxStopped?: (sandboxId: string, reason: string, kind: SandboxStopKind) => void;
}

export interface Isolation {
	isolation: "bwrap" | "none";
	bwrapPath: string;
}

/** bubblewrap when installed; no isolation only when the operator allowed it (with a loud warning). */
export function resolveIsolation(config: LocalProviderConfig, logger: Logger): Isolation {
	const bwrap = findBwrap(config.bwrapPath);
	if (bwrap) return { isolation: "bwrap", bwrapPath: bwrap };
	if (config.allowUnisolated) {
		logger.warn(
			"bubblewrap (bwrap) is not installed: sandboxes run WITHOUT ISOLATION because SANDBOX_ALLOW_UNISOLATED=true. Agents can read and change this machine. Install bubblewrap.",
		);
		return { isolation: "none", bwrapPath: "" };
	}
	throw new SandboxProviderError(
		"local",
		"start",
		"bubblewrap (bwrap) is not installed. Install it (Debian: apt-get install bubblewrap) or set SANDBOX_ALLOW_UNISOLATED=true to run agents without isolation.",
	);
}

function findBwrap(configured: string | undefined): string | null {
	for (const candidate of [configured, "/usr/bin/bwrap", "/usr/local/bin/bwrap"]) {
		if (candidate && existsSync(candidate)) return candidate;
	}
	return null;
}
