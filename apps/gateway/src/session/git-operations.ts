import type { SandboxProvider } from "@proliferate/shared";
import { DomainError, SandboxCommandError } from "@proliferate/shared";

type GitCode =
	| "SUCCESS"
	| "NOTHING_TO_COMMIT"
	| "NO_REMOTE"
	| "NOT_A_REPO"
	| "AUTH_FAILED"
	| "GITHUB_NOT_CONNECTED"
	| "NOT_GITHUB_REMOTE"
	| "BRANCH_EXISTS"
	| "MERGE_CONFLICT"
	| "REPO_BUSY"
	| "INVALID_INPUT"
	| "UNKNOWN_ERROR";

export class GitOperationError extends DomainError {
	readonly gitCode: GitCode;
	constructor(gitCode: GitCode, message: string) {
		super("precondition_failed", `GIT_${gitCode}`, message);
		this.gitCode = gitCode;
	}
}

export interface GitStatus {
	branch: string | null;
	ahead: number | null;
	behind: number | null;
	files: { path: string; index: string; worktree: string }[];
	untracked: string[];
}

export interface GitDiff {
	diff: string;
	truncated: boolean;
	files: { path: string; status: "added" | "modified" | "deleted" | "renamed" }[];
}

const gitEnv = { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false", GIT_OPTIONAL_LOCKS: "0" };
const maxDiffBytes = 1024 * 1024;

/** Parses `git status --porcelain=v2 --branch -z`-free line output. */
export function parseStatusV2(output: string): GitStatus {
	const status: GitStatus = { branch: null, ahead: null, behind: null, files: [], untracked: [] };
	for (const line of output.split("\n")) {
		if (line.startsWith("# branch.head ")) {
			const head = line.slice(14).trim();
			status.branch = head === "(detached)" ? null : head;
		} else if (line.startsWith("# branch.ab ")) {
			const match = line.match(/\+(\d+) -(\d+)/);
			status.ahead = match ? Number(match[1]) : null;
			status.behind = match ? Number(match[2]) : null;
		} else if (line.startsWith("1 ") || line.startsWith("2 ")) {
			const parts = line.split(" ");
			const xy = parts[1] ?? "..";
			const path = line.startsWith("2 ")
				? (parts.slice(9).join(" ").split("\t")[0] ?? "")
				: parts.slice(8).join(" ");
			status.files.push({ path, index: xy[0] ?? ".", worktree: xy[1] ?? "." });
		} else if (line.startsWith("? ")) {
			status.untracked.push(line.slice(2));
		}
	}
	return status;
}

/** Git in the session's sandbox, run through the provider. Read commands never take the index lock. */
export class GitOperations {
	/** `target` gives the live session's provider and sandbox (throws when the session does not run). */
	constructor(private readonly target: () => { provider: SandboxProvider; sandboxId: string }) {}

	private async git(args: string[], allowFailure = false, extraEnv: Record<string, string> = {}) {
		try {
			const { provider, sandboxId } = this.target();
			return await provider.exec(sandboxId, ["git", ...args], {
				env: { ...gitEnv, ...extraEnv },
				allowFailure,
				timeoutMs: 120_000,
			});
		} catch (error) {
			if (error instanceof SandboxCommandError) {
				const text = error.outputTail;
				if (/not a git repository/i.test(text))
					throw new GitOperationError("NOT_A_REPO", "The workspace is not a git repository");
				if (/index\.lock/.test(text))
					throw new GitOperationError("REPO_BUSY", "Another git operation is running; try again");
				if (/Authentication failed|could not read Username|Permission denied/i.test(text)) {
					throw new GitOperationError("AUTH_FAILED", "The remote refused the credentials");
				}
				throw new GitOperationError(
					"UNKNOWN_ERROR",
					text.trim().split("\n").slice(-3).join(" ") || error.message,
				);
			}
			throw error;
		}
	}

	async status(): Promise<GitStatus> {
		const result = await this.git(["status", "--porcelain=v2", "--branch"]);
		return parseStatusV2(result.stdout);
	}

	/** Working tree against HEAD, untracked files included as additions. */
	async diff(path?: string): Promise<GitDiff> {
		const scope = path ? ["--", path] : [];
		const tracked = await this.git(["diff", "HEAD", "--no-color", "--no-ext-diff", ...scope]);
		const names = await this.git(["diff", "HEAD", "--name-status", ...scope]);
		const untracked = (await this.git(["ls-files", "--others", "--exclude-standard", ...scope])).stdout
			.split("\n")
			.filter(Boolean);
		let diff = tracked.stdout;
		for (const file of untracked) {
			const added = await this.git(["diff", "--no-color", "--no-index", "--", "/dev/null", file], true);
			diff += added.stdout;
			if (diff.length > maxDiffBytes) break;
		}
		const files: GitDiff["files"] = names.stdout
			.split("\n")
			.filter(Boolean)
			.map((line) => {
				const [code = "M", ...rest] = line.split("\t");
				const status = code.startsWith("A")
					? "added"
					: code.startsWith("D")
						? "deleted"
						: code.startsWith("R")
							? "renamed"
							: "modified";
				return { path: rest.at(-1) ?? "", status };
			});
		for (const file of untracked) files.push({ path: file, status: "added" });
		const truncated = diff.length > maxDiffBytes;
		return { diff: truncated ? diff.slice(0, maxDiffBytes) : diff, truncated, files };
	}

	async createBranch(branchName: string): Promise<string> {
		const exists = await this.git(["rev-parse", "--verify", "--quiet", `refs/heads/${branchName}`], true);
		if (exists.exitCode === 0)
			throw new GitOperationError("BRANCH_EXISTS", `Branch ${branchName} already exists`);
		await this.git(["checkout", "-b", branchName]);
		return `Switched to a new branch ${branchName}`;
	}

	async commit(message: string, options: { includeUntracked?: boolean; files?: string[] }): Promise<string> {
		if (options.files?.length) await this.git(["add", "--", ...options.files]);
		else await this.git(["add", options.includeUntracked === false ? "-u" : "-A"]);
		const staged = await this.git(["diff", "--cached", "--quiet"], true);
		if (staged.exitCode === 0)
			throw new GitOperationError("NOTHING_TO_COMMIT", "There are no changes to commit");
		await this.git(["commit", "-m", message]);
		return (await this.git(["log", "-1", "--format=%h %s"])).stdout.trim();
	}

	/**
	 * Pushes HEAD to origin. With a token (from the organization's GitHub connection) HTTPS remotes
	 * get it as an Authorization header through git's environment config: never in argv or the URL.
	 */
	async push(options: { token?: string } = {}): Promise<string> {
		const remotes = (await this.git(["remote"])).stdout.split("\n").filter(Boolean);
		if (remotes.length === 0)
			throw new GitOperationError("NO_REMOTE", "The repository has no remote to push to");
		const auth: Record<string, string> = options.token
			? {
					GIT_CONFIG_COUNT: "1",
					GIT_CONFIG_KEY_0: "http.extraHeader",
					GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${options.token}`).toString("base64")}`,
				}
			: {};
		const result = await this.git(["push", "--set-upstream", "origin", "HEAD"], false, auth);
		return `${result.stdout}${result.stderr}`.trim() || "Pushed";
	}
}
