import { spawn } from "node:child_process";
import type { GitDiff, GitStatus, GitStatusFile } from "@proliferate/shared/sandbox";
import { CommandFailedError } from "./errors";
import { resolveInWorkspace, workspaceRelative } from "./workspace-paths";

const outputCap = 16 * 1024 * 1024;
const gitTimeoutMs = 30_000;

/** Runs git in the workspace; a failure (exit code, signal, timeout) throws CommandFailedError. */
export function runGit(workspace: string, args: string[], env: Record<string, string>): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn("git", args, {
			cwd: workspace,
			env: { ...env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" },
			stdio: ["ignore", "pipe", "pipe"],
		});
		const stdout: Buffer[] = [];
		let stdoutSize = 0;
		let stderr = "";
		child.stdout.on("data", (chunk: Buffer) => {
			stdoutSize += chunk.length;
			if (stdoutSize <= outputCap) stdout.push(chunk);
		});
		child.stderr.on("data", (chunk: Buffer) => {
			stderr = (stderr + chunk.toString()).slice(-4096);
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), gitTimeoutMs);
		child.once("error", (error) => {
			clearTimeout(timer);
			reject(
				new CommandFailedError(`git ${args[0]}`, { exitCode: null, signal: null, outputTail: error.message }),
			);
		});
		child.once("close", (code, signal) => {
			clearTimeout(timer);
			if (code === 0) resolve(Buffer.concat(stdout).toString("utf8"));
			else reject(new CommandFailedError(`git ${args[0]}`, { exitCode: code, signal, outputTail: stderr }));
		});
	});
}

/** Parses `git status --porcelain=v1 --branch -z`. */
export function parseGitStatus(output: string, head: string | null): GitStatus {
	const records = output.split("\0");
	let branch: string | null = null;
	let upstream: string | null = null;
	let ahead = 0;
	let behind = 0;
	const files: GitStatusFile[] = [];
	for (let index = 0; index < records.length; index++) {
		const record = records[index];
		if (!record) continue;
		if (record.startsWith("## ")) {
			const header = record.slice(3);
			const noCommits = header.match(/^No commits yet on (.+)$/);
			const match = header.match(/^(.+?)(?:\.\.\.(\S+))?(?: \[(.*)\])?$/);
			if (noCommits?.[1]) branch = noCommits[1];
			else if (match?.[1] && !header.startsWith("HEAD (no branch)")) branch = match[1];
			upstream = match?.[2] ?? null;
			ahead = Number(match?.[3]?.match(/ahead (\d+)/)?.[1] ?? 0);
			behind = Number(match?.[3]?.match(/behind (\d+)/)?.[1] ?? 0);
			continue;
		}
		const file: GitStatusFile = {
			index: record[0] ?? " ",
			worktree: record[1] ?? " ",
			path: record.slice(3),
		};
		if (file.index === "R" || file.index === "C") {
			index++;
			file.originalPath = records[index] ?? "";
		}
		files.push(file);
	}
	return { branch, upstream, ahead, behind, head, files, clean: files.length === 0 };
}

export async function gitStatus(workspace: string, env: Record<string, string>): Promise<GitStatus> {
	const output = await runGit(
		workspace,
		["status", "--porcelain=v1", "--branch", "-z", "--untracked-files=all"],
		env,
	);
	const head = await runGit(workspace, ["rev-parse", "--verify", "-q", "HEAD"], env).catch(() => "");
	return parseGitStatus(output, head.trim() || null);
}

/** The diff of the worktree (or the index with `staged`) against HEAD, optionally for one path. */
export async function gitDiff(
	workspace: string,
	input: { path?: string | undefined; staged: boolean; maxBytes: number },
	env: Record<string, string>,
): Promise<GitDiff> {
	const paths = input.path
		? ["--", workspaceRelative(workspace, resolveInWorkspace(workspace, input.path))]
		: [];
	const base = ["diff", "--no-color", "--no-ext-diff", ...(input.staged ? ["--cached"] : [])];
	const [diff, numstat] = await Promise.all([
		runGit(workspace, [...base, ...paths], env),
		runGit(workspace, [...base, "--numstat", "-z", ...paths], env),
	]);
	const files: GitDiff["files"] = [];
	const records = numstat.split("\0");
	for (let index = 0; index < records.length; index++) {
		const record = records[index];
		if (!record) continue;
		const [added, deleted, path] = record.split("\t");
		let name = path ?? "";
		// Renames: "added\tdeleted\t" then the old and new paths as separate records.
		if (name === "") {
			index += 2;
			name = records[index] ?? "";
		}
		files.push({
			path: name,
			additions: added === "-" ? null : Number(added),
			deletions: deleted === "-" ? null : Number(deleted),
		});
	}
	const bytes = Buffer.from(diff, "utf8");
	const truncated = bytes.length > input.maxBytes;
	return {
		diff: truncated ? bytes.subarray(0, input.maxBytes).toString("utf8") : diff,
		truncated,
		files,
	};
}
