import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The demo repository's files (a tiny Node.js service with tests and a dev server). */
export const demoRepoTemplateDir = join(dirname(fileURLToPath(import.meta.url)), "..", "template");

export interface DemoRepo {
	path: string;
	defaultBranch: string;
}

function git(cwd: string, ...args: string[]): string {
	return execFileSync("git", args, {
		cwd,
		encoding: "utf8",
		env: {
			...process.env,
			GIT_AUTHOR_NAME: "Proliferate Demo",
			GIT_AUTHOR_EMAIL: "demo@proliferate.local",
			GIT_COMMITTER_NAME: "Proliferate Demo",
			GIT_COMMITTER_EMAIL: "demo@proliferate.local",
		},
	});
}

/**
 * Creates (or reuses) a git repository holding the demo app at `path`, with one commit on `main`.
 * Idempotent: an existing repository is left as it is.
 */
export function createDemoRepo(path: string): DemoRepo {
	if (existsSync(join(path, ".git"))) return { path, defaultBranch: "main" };
	mkdirSync(path, { recursive: true });
	cpSync(demoRepoTemplateDir, path, { recursive: true });
	git(path, "init", "--quiet", "--initial-branch=main");
	git(path, "add", "-A");
	git(path, "commit", "--quiet", "-m", "Initial commit: demo app");
	return { path, defaultBranch: "main" };
}
