import {
	DomainError,
	type ExecOptions,
	type RepoSource,
	SANDBOX_GIT_IDENTITY,
	SandboxCommandError,
} from "@proliferate/shared";
import type { RawRunResult } from "./primitives";
import { REMOTE_HOME, REMOTE_WORKSPACE, SOURCE_ENV } from "./sandbox-state";
import { commandToShell, envExports, resolveInsideHome, shellQuote, signalFromExitCode, tail } from "./shell";

export const DEFAULT_TIMEOUT_MS = 60_000;

/** A new sandbox's workspace and log folders, and a git identity when its image has none. */
export const PREPARE_WORKSPACE_SCRIPT = [
	`mkdir -p ${REMOTE_WORKSPACE} ${REMOTE_HOME}/.proliferate/logs || exit 1`,
	// Commits need an identity; an image (or template) without one gets the sandbox's default.
	`git config user.name >/dev/null || git config --global user.name ${shellQuote(SANDBOX_GIT_IDENTITY.name)} || exit 1`,
	`git config user.email >/dev/null || git config --global user.email ${shellQuote(SANDBOX_GIT_IDENTITY.email)}`,
].join("\n");

/** A sandbox path resolved against the workspace; it must stay inside the home. */
export function resolveSandboxPath(path: string, what: "cwd" | "path"): string {
	const resolved = resolveInsideHome(REMOTE_HOME, REMOTE_WORKSPACE, path);
	if (!resolved) {
		throw new DomainError(
			"invalid_input",
			"SANDBOX_PATH_OUTSIDE",
			what === "cwd" ? `cwd ${path} is outside the sandbox` : `path ${path} is outside the sandbox home`,
		);
	}
	return resolved;
}

/** `exec`'s script: the sandbox environment, the command's env, its directory, then the command. */
export function execScript(command: string[] | string, options: ExecOptions): string {
	const cwd = options.cwd ? resolveSandboxPath(options.cwd, "cwd") : REMOTE_WORKSPACE;
	return [SOURCE_ENV, envExports(options.env), `cd ${shellQuote(cwd)} || exit 1`, commandToShell(command)]
		.filter(Boolean)
		.join("\n");
}

/** The error for a command that timed out or failed (unless failures are allowed); null otherwise. */
export function commandFailure(
	command: string,
	result: RawRunResult,
	allowFailure: boolean,
): SandboxCommandError | null {
	if (!result.timedOut && (result.exitCode === 0 || allowFailure)) return null;
	return new SandboxCommandError({
		command,
		exitCode: result.timedOut ? null : result.exitCode,
		signal: result.timedOut ? "SIGKILL" : signalFromExitCode(result.exitCode),
		timedOut: result.timedOut,
		outputTail: tail(result.stdout + result.stderr),
	});
}

/** Clone with the token in the URL, then reset the remote to the tokenless URL. */
export function cloneScript(repo: RepoSource): string {
	let url = repo.url;
	if (repo.token && /^https?:\/\//.test(url)) {
		const parsed = new URL(url);
		parsed.username = "x-access-token";
		parsed.password = repo.token;
		url = parsed.toString();
	}
	const branch = repo.branch ? `--branch ${shellQuote(repo.branch)} ` : "";
	return [
		"set -e",
		`rm -rf ${REMOTE_WORKSPACE}`,
		`git clone --quiet ${branch}${shellQuote(url)} ${REMOTE_WORKSPACE}`,
		`cd ${REMOTE_WORKSPACE}`,
		`git remote set-url origin ${shellQuote(repo.url)}`,
		repo.commit ? `git checkout --quiet --detach ${shellQuote(repo.commit)}` : "",
	]
		.filter(Boolean)
		.join("\n");
}
