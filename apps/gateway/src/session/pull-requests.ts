import type { Logger } from "@proliferate/logger";
import { integrations, repos, type ServiceContext, sessions } from "@proliferate/services";
import { DomainError, type RepoSource } from "@proliferate/shared";
import { GitOperationError, type GitOperations } from "./git-operations";

export interface PullRequestInput {
	title: string;
	body?: string;
	/** Defaults to the repository's default branch. */
	baseBranch?: string;
}

export interface PullRequestResult {
	url: string;
	number: number;
	existing: boolean;
	message: string;
}

/**
 * Opens a pull request for the session's current branch: resolves the organization's GitHub
 * connection once, pushes the branch with its token, then creates the pull request through the
 * same client (or returns the one already open for the branch).
 */
export async function openPullRequest(
	deps: {
		services: ServiceContext;
		github: integrations.GithubConfig | undefined;
		git: GitOperations;
		scope: { organizationId: string; sessionId: string };
	},
	input: PullRequestInput,
): Promise<PullRequestResult> {
	const { services, github, git, scope } = deps;
	if (!github) {
		throw new GitOperationError("GITHUB_NOT_CONNECTED", "GitHub is not configured on this platform");
	}
	const session = await sessions.getSession(services, scope);
	const repo = session.repoId
		? await repos.getRepo(services, { organizationId: scope.organizationId, repoId: session.repoId })
		: null;
	if (!repo?.githubFullName) {
		throw new GitOperationError("NOT_GITHUB_REMOTE", "This session's repository is not on GitHub");
	}
	const status = await git.status();
	if (!status.branch) {
		throw new GitOperationError(
			"INVALID_INPUT",
			"HEAD is detached; create a branch before opening a pull request",
		);
	}
	const base = input.baseBranch ?? repo.defaultBranch;
	if (status.branch === base) {
		throw new GitOperationError(
			"INVALID_INPUT",
			`You are on ${base}, the pull request's base; create a branch for the change first`,
		);
	}
	const owner = repo.githubFullName.split("/")[0] ?? "";
	try {
		// One resolution of the connection: the token git pushes with is the one the API calls reuse
		// (a GitHub App connection mints one installation token per pull request).
		const client = await integrations.githubClientFor(
			services,
			{ organizationId: scope.organizationId, owner },
			github,
		);
		await git.push({ token: await client.gitToken() });
		const pull = await integrations.openPullRequest(client, {
			repoFullName: repo.githubFullName,
			head: status.branch,
			base,
			title: input.title,
			...(input.body !== undefined ? { body: input.body } : {}),
		});
		return {
			...pull,
			message: pull.existing
				? `Pull request #${pull.number} is already open for ${status.branch}`
				: `Opened pull request #${pull.number}`,
		};
	} catch (error) {
		if (error instanceof GitOperationError) throw error;
		if (error instanceof integrations.GithubNotConnectedError) {
			throw new GitOperationError("GITHUB_NOT_CONNECTED", error.message);
		}
		if (error instanceof integrations.GithubAuthError)
			throw new GitOperationError("AUTH_FAILED", error.message);
		if (error instanceof DomainError) throw new GitOperationError("UNKNOWN_ERROR", error.message);
		throw error;
	}
}

/**
 * What a session's sandbox clones: the repository's URL and branch, and for a repository on GitHub
 * cloned over HTTP(S) a short-lived token from the organization's GitHub connection (private
 * repositories need it; an installation token lasts an hour). The provider uses the token for the
 * clone only and leaves the tokenless URL as the remote; it is never stored with the repository.
 */
export async function cloneSource(
	deps: { services: ServiceContext; github?: integrations.GithubConfig | undefined; logger: Logger },
	organizationId: string,
	repo: repos.Repo,
	branch?: string | null,
): Promise<RepoSource> {
	const source: RepoSource = { url: repo.url, ...(branch ? { branch } : {}) };
	if (!deps.github || !repo.githubFullName || !/^https?:\/\//.test(repo.url)) return source;
	try {
		const token = await integrations.githubCloneToken(
			deps.services,
			{ organizationId, repoFullName: repo.githubFullName },
			deps.github,
		);
		return token ? { ...source, token } : source;
	} catch (error) {
		// Imported through the connection: its refusal is the answer. A plain URL may still clone anonymously.
		if (repo.sourceKind === "github") throw error;
		deps.logger.warn(
			{ err: error, repo: repo.githubFullName },
			"no clone token from the GitHub connection; cloning without one",
		);
		return source;
	}
}
