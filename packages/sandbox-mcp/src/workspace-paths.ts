import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { PathOutsideWorkspaceError } from "./errors";

/**
 * Resolves a path given by a client inside the workspace, following symlinks, and refuses anything
 * that lands outside it (`..`, absolute paths elsewhere, symlinks pointing out).
 */
export function resolveInWorkspace(workspace: string, path: string): string {
	const root = realpathSync(workspace);
	const candidate = resolve(root, path);
	let real = candidate;
	try {
		real = realpathSync(candidate);
	} catch {
		// Not existing yet: judge the lexical path.
	}
	for (const target of [candidate, real]) {
		const rel = relative(root, target);
		if (rel.startsWith("..") || isAbsolute(rel)) throw new PathOutsideWorkspaceError(path);
	}
	return real;
}

export function workspaceRelative(workspace: string, path: string): string {
	return relative(realpathSync(workspace), path) || ".";
}
