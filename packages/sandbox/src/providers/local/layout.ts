import { randomBytes } from "node:crypto";
import { isAbsolute, join, normalize, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Paths as the sandbox's processes see them. */
export const sandboxPaths = {
	home: "/home/user",
	workspace: "/home/user/workspace",
	runDir: "/run/proliferate",
	logDir: "/home/user/.proliferate/logs",
	runtime: "/opt/proliferate/runtime",
} as const;

/** The in-sandbox supervisor script (plain JS, bind-mounted read-only). */
export const runtimeDirectory = fileURLToPath(new URL("../../../runtime", import.meta.url));

export function newSandboxId(): string {
	return `sbx_${Date.now().toString(36)}${randomBytes(6).toString("hex")}`;
}

const sandboxIdPattern = /^sbx_[a-z0-9]+$/;

export function isLocalSandboxId(value: string): boolean {
	return sandboxIdPattern.test(value);
}

/** Where one sandbox lives on the host. Only `home` (and the run dir) are visible inside it. */
export interface SandboxLayout {
	root: string;
	home: string;
	workspace: string;
	runDir: string;
	etcDir: string;
	metaFile: string;
}

export function layoutFor(sandboxesDirectory: string, sandboxId: string): SandboxLayout {
	const root = join(sandboxesDirectory, sandboxId);
	const home = join(root, "home");
	return {
		root,
		home,
		workspace: join(home, "workspace"),
		runDir: join(root, "run"),
		etcDir: join(root, "etc"),
		metaFile: join(root, "meta.json"),
	};
}

/**
 * Maps a path given to readFile/writeFile (relative to the workspace, or absolute inside the
 * sandbox's home) to the host path; null when it points outside what the host can see directly.
 */
export function hostPathFor(layout: SandboxLayout, sandboxPath: string): string | null {
	const absolute = isAbsolute(sandboxPath)
		? normalize(sandboxPath)
		: normalize(join(sandboxPaths.workspace, sandboxPath));
	const withinHome = relative(sandboxPaths.home, absolute);
	if (withinHome.startsWith("..") || isAbsolute(withinHome)) return null;
	const host = resolve(layout.home, withinHome);
	if (host !== layout.home && !host.startsWith(`${layout.home}/`)) return null;
	return host;
}
