import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { FileContent, FileTree, FileTreeEntry } from "@proliferate/shared/sandbox";
import { FileNotFoundError, InvalidRequestError } from "./errors";
import { resolveInWorkspace, workspaceRelative } from "./workspace-paths";

const maxEntries = 5000;
/** Directories a tree skips unless `includeIgnored` is set (large and rarely what a person browses). */
const skipped = new Set([".git", "node_modules", ".next", "dist", ".turbo", ".cache"]);

async function statOrMissing(path: string, shown: string) {
	try {
		return await stat(path);
	} catch {
		throw new FileNotFoundError(shown);
	}
}

/** Breadth-first listing of the workspace (or a directory in it), sorted, up to `depth` levels. */
export async function fileTree(
	workspace: string,
	input: { path: string; depth: number; includeIgnored: boolean },
): Promise<FileTree> {
	const root = resolveInWorkspace(workspace, input.path);
	const info = await statOrMissing(root, input.path);
	if (!info.isDirectory()) throw new InvalidRequestError(`${input.path} is not a directory`);
	const entries: FileTreeEntry[] = [];
	let truncated = false;
	let level: string[] = [root];
	for (let depth = 0; depth < input.depth && level.length > 0 && !truncated; depth++) {
		const next: string[] = [];
		for (const directory of level) {
			const children = await readdir(directory, { withFileTypes: true }).catch(() => []);
			children.sort((a, b) => a.name.localeCompare(b.name));
			for (const child of children) {
				if (entries.length >= maxEntries) {
					truncated = true;
					break;
				}
				const full = join(directory, child.name);
				const type = child.isSymbolicLink() ? "symlink" : child.isDirectory() ? "directory" : "file";
				const size = type === "file" ? ((await stat(full).catch(() => null))?.size ?? 0) : 0;
				entries.push({ path: workspaceRelative(workspace, full), type, size });
				if (type === "directory" && (input.includeIgnored || !skipped.has(child.name))) next.push(full);
			}
		}
		level = next;
	}
	return { root: workspaceRelative(workspace, root), entries, truncated };
}

function looksBinary(bytes: Buffer): boolean {
	return bytes.subarray(0, 8000).includes(0);
}

/** A workspace file's content: UTF-8 text, or base64 for binary files; at most `maxBytes`. */
export async function readWorkspaceFile(
	workspace: string,
	input: { path: string; maxBytes: number },
): Promise<FileContent> {
	const path = resolveInWorkspace(workspace, input.path);
	const info = await statOrMissing(path, input.path);
	if (!info.isFile()) throw new InvalidRequestError(`${input.path} is not a file`);
	const handle = await open(path, "r");
	try {
		const length = Math.min(info.size, input.maxBytes);
		const buffer = Buffer.alloc(length);
		await handle.read(buffer, 0, length, 0);
		const binary = looksBinary(buffer);
		return {
			path: workspaceRelative(workspace, path),
			size: info.size,
			encoding: binary ? "base64" : "utf8",
			content: buffer.toString(binary ? "base64" : "utf8"),
			truncated: info.size > length,
		};
	} finally {
		await handle.close();
	}
}
