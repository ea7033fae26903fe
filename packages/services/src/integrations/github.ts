import type { Octokit } from "@octokit/rest";
import type { ConnectionRow } from "./db";
import { GithubNotConnectedError, GithubRequestError } from "./errors";
import { appOctokit, type GithubConfig, githubError, tokenOctokit } from "./github-client";
import { type Connection, type GithubRepositoryData, toConnection } from "./mapper";

/** The GitHub API calls of the integrations domain (no database access here). */

/** GitHub's owner/name: an account (letters, digits, hyphens) and a repository name other than "." or "..". */
export function isGithubFullName(fullName: string): boolean {
	return /^[A-Za-z0-9][A-Za-z0-9-]*\/(?!\.{1,2}$)[\w.-]+$/.test(fullName);
}

/** The login of the account a token belongs to (GitHub checks the token). */
export async function fetchTokenLogin(config: GithubConfig, token: string): Promise<string> {
	try {
		return (await tokenOctokit(config, token).rest.users.getAuthenticated()).data.login;
	} catch (error) {
		throw githubError(error, "verify the token");
	}
}

/** The account (user or organization) a GitHub App installation belongs to. */
export async function fetchInstallationLogin(config: GithubConfig, installationId: string): Promise<string> {
	const octokit = appOctokit(config);
	try {
		const { data } = await octokit.rest.apps.getInstallation({ installation_id: Number(installationId) });
		const account = data.account as { login?: string; slug?: string } | null;
		return account?.login ?? account?.slug ?? `installation-${installationId}`;
	} catch (error) {
		throw githubError(error, "read the app installation");
	}
}

/** An API client acting through one connection, and the token git clones and pushes with. */
export interface GithubClient {
	connection: Connection;
	octokit: Octokit;
	/**
	 * The connection's token for git over HTTPS: the stored token, or an installation token (one
	 * hour) that this client's API calls then reuse — one client mints at most one token.
	 */
	gitToken(): Promise<string>;
}

/** A client acting through `row` (an installation, or the token sealed in the row). */
export function githubClientForConnection(row: ConnectionRow, config: GithubConfig): GithubClient {
	const connection = toConnection(row);
	if (row.kind === "github_app") {
		const octokit = appOctokit(config, row.externalId ?? undefined, row.apiUrl);
		return {
			connection,
			octokit,
			async gitToken() {
				try {
					const auth = (await octokit.auth({ type: "installation" })) as { token?: string };
					if (auth.token) return auth.token;
				} catch (error) {
					throw githubError(error, "mint an installation token");
				}
				throw new GithubNotConnectedError("The GitHub App installation gave no token");
			},
		};
	}
	const token = config.secretBox.open(row.sealedCredentials ?? "", `connection:${row.id}`);
	return { connection, octokit: tokenOctokit(config, token, row.apiUrl), gitToken: async () => token };
}

/**
 * Every repository a connection can see: an installation's (`GET /installation/repositories`) or a
 * token user's.
 */
export async function listVisibleRepositories(client: GithubClient): Promise<GithubRepositoryData[]> {
	const { octokit, connection } = client;
	try {
		return connection.kind === "github_app"
			? await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })
			: await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, { per_page: 100 });
	} catch (error) {
		throw githubError(error, `list the repositories of ${connection.accountLogin}`);
	}
}

/** One repository through `client` (404 when its connection cannot see it). */
export async function fetchRepository(
	client: GithubClient,
	params: { owner: string; repo: string; fullName: string },
): Promise<GithubRepositoryData> {
	const { octokit, connection } = client;
	try {
		const { data } = await octokit.rest.repos.get({ owner: params.owner, repo: params.repo });
		return data;
	} catch (error) {
		if ((error as { status?: number }).status === 404) {
			throw new GithubRequestError(
				404,
				`${params.fullName} does not exist or is not visible to the GitHub connection ${connection.accountLogin}`,
			);
		}
		throw githubError(error, `read ${params.fullName}`);
	}
}

export interface PullRequest {
	number: number;
	url: string;
	/** True when a pull request for the branch was already open (it is returned, not duplicated). */
	existing: boolean;
}

/**
 * Opens a pull request through `client` (from `githubClientFor`, the same one git pushed with), or
 * returns the one already open for `head`.
 */
export async function openPullRequest(
	client: GithubClient,
	params: { repoFullName: string; head: string; base: string; title: string; body?: string },
): Promise<PullRequest> {
	const [owner, repo] = params.repoFullName.split("/");
	if (!owner || !repo || !isGithubFullName(params.repoFullName)) {
		throw new GithubRequestError(422, `${params.repoFullName} is not an owner/name`);
	}
	const { octokit } = client;
	try {
		const { data } = await octokit.rest.pulls.create({
			owner,
			repo,
			head: params.head,
			base: params.base,
			title: params.title,
			body: params.body ?? "",
		});
		return { number: data.number, url: data.html_url, existing: false };
	} catch (error) {
		const status = (error as { status?: number }).status;
		const text = JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? "");
		if (status === 422 && /already exists/i.test(text)) {
			const { data } = await octokit.rest.pulls
				.list({ owner, repo, head: `${owner}:${params.head}`, state: "open" })
				.catch((listError: unknown) => {
					throw githubError(listError, "find the open pull request");
				});
			const open = data[0];
			if (open) return { number: open.number, url: open.html_url, existing: true };
		}
		throw githubError(error, "open the pull request");
	}
}
