import { execFile } from "node:child_process";
import { InvalidRepoSourceError, RepoUnreachableError } from "./errors";

export interface RemoteProbe {
	/** The branch HEAD points at (e.g. "main"). */
	defaultBranch: string;
}

/** Extracts the branch HEAD points at from `git ls-remote --symref <url> HEAD` output. */
export function parseSymrefHead(output: string): string | null {
	for (const line of output.split("\n")) {
		const match = line.match(/^ref:\s+refs\/heads\/(\S+)\s+HEAD$/);
		if (match?.[1]) return match[1];
	}
	return null;
}

/**
 * Asks a repository (URL or local path) which branch HEAD points at, with `git ls-remote --symref`.
 * Never prompts for credentials (private repositories are imported through the GitHub connection,
 * whose API reports the default branch).
 */
export function probeRemote(url: string, options: { timeoutMs?: number } = {}): Promise<RemoteProbe> {
	if (url.startsWith("-"))
		return Promise.reject(new InvalidRepoSourceError("A repository URL cannot start with '-'"));
	const args = ["ls-remote", "--symref", "--", url, "HEAD"];
	// Never prompt: askpass answers nothing, ssh runs in batch mode, no credential helper is consulted.
	const configArgs = [
		"-c",
		"core.askPass=/bin/true",
		"-c",
		"credential.helper=",
		"-c",
		"core.sshCommand=ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new",
	];
	return new Promise((resolve, reject) => {
		execFile(
			"git",
			[...configArgs, ...args],
			{
				timeout: options.timeoutMs ?? 20_000,
				maxBuffer: 1024 * 1024,
			},
			(error, stdout, stderr) => {
				if (error) {
					const reason = String(stderr || error.message)
						.split("\n")
						.map((line) => line.trim())
						.filter(Boolean)
						.slice(-1)[0];
					reject(new RepoUnreachableError(url, reason ?? "git ls-remote failed"));
					return;
				}
				const branch = parseSymrefHead(stdout);
				// An empty repository has no HEAD to point at yet: fall back to the conventional main.
				resolve({ defaultBranch: branch ?? "main" });
			},
		);
	});
}
