import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { RepoSource } from "@proliferate/shared";
import { SandboxProviderError } from "@proliferate/shared";

const run = promisify(execFile);

const gitEnvironment = {
	GIT_TERMINAL_PROMPT: "0",
	GIT_ASKPASS: "/bin/false",
	GIT_CONFIG_NOSYSTEM: "1",
	PATH: "/usr/local/bin:/usr/bin:/bin",
	HOME: "/nonexistent",
};

/** Adds a token to an HTTPS clone URL for the clone only (it is removed from the remote afterwards). */
function authenticatedUrl(url: string, token: string | undefined): string {
	if (!token || !url.startsWith("https://")) return url;
	const parsed = new URL(url);
	parsed.username = "x-access-token";
	parsed.password = token;
	return parsed.toString();
}

/**
 * Clones the repository into `target` on the requested branch (the default branch when none is
 * given). Local paths are copied, never hard-linked, so a sandbox cannot touch the source repo.
 */
export async function cloneRepository(repo: RepoSource, target: string): Promise<void> {
	const args = ["clone", "--quiet", "--no-local"];
	if (repo.branch) args.push("--branch", repo.branch);
	args.push(authenticatedUrl(repo.url, repo.token), target);
	try {
		await run("git", args, { env: gitEnvironment, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
		if (repo.token)
			await run("git", ["-C", target, "remote", "set-url", "origin", repo.url], { env: gitEnvironment });
		if (repo.commit)
			await run("git", ["-C", target, "checkout", "--quiet", repo.commit], { env: gitEnvironment });
	} catch (error) {
		const stderr =
			(error as { stderr?: string }).stderr ?? (error instanceof Error ? error.message : String(error));
		const safe = repo.token ? stderr.replaceAll(repo.token, "***") : stderr;
		throw new SandboxProviderError("local", "clone", safe.trim().split("\n").slice(-3).join(" "), {
			url: repo.url,
			branch: repo.branch ?? null,
		});
	}
}
