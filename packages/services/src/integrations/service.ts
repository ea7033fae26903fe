import { randomUUID } from "node:crypto";
import type { Octokit } from "@octokit/rest";
import { and, eq, schema } from "@proliferate/db";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import { ConnectionNotFoundError, GithubNotConnectedError, GithubRequestError } from "./errors";
import { appOctokit, type GithubConfig, githubError, tokenOctokit } from "./github-client";

type ConnectionRow = typeof schema.integrationConnections.$inferSelect;

/** A connection as callers see it: never its credentials. */
export interface Connection {
	id: string;
	organizationId: string;
	provider: "github";
	kind: "github_app" | "personal_token";
	accountLogin: string;
	installationId: string | null;
	apiUrl: string;
	createdAt: string;
}

function toConnection(row: ConnectionRow): Connection {
	return {
		id: row.id,
		organizationId: row.organizationId,
		provider: row.provider,
		kind: row.kind,
		accountLogin: row.accountLogin,
		installationId: row.externalId,
		apiUrl: row.apiUrl,
		createdAt: row.createdAt.toISOString(),
	};
}

async function upsertConnection(
	context: ServiceContext,
	values: Omit<typeof schema.integrationConnections.$inferInsert, "id"> & { id: string },
): Promise<Connection> {
	const [row] = await context.db
		.insert(schema.integrationConnections)
		.values(values)
		.onConflictDoUpdate({
			target: [
				schema.integrationConnections.organizationId,
				schema.integrationConnections.provider,
				schema.integrationConnections.accountLogin,
			],
			set: {
				id: values.id,
				kind: values.kind,
				externalId: values.externalId ?? null,
				sealedCredentials: values.sealedCredentials ?? null,
				apiUrl: values.apiUrl,
				updatedAt: new Date(),
			},
		})
		.returning();
	if (!row) throw new Error("connection upsert returned no row");
	return toConnection(row);
}

async function existingConnectionId(
	context: ServiceContext,
	organizationId: string,
	accountLogin: string,
): Promise<string | undefined> {
	const [row] = await context.db
		.select({ id: schema.integrationConnections.id })
		.from(schema.integrationConnections)
		.where(
			and(
				eq(schema.integrationConnections.organizationId, organizationId),
				eq(schema.integrationConnections.provider, "github"),
				eq(schema.integrationConnections.accountLogin, accountLogin),
			),
		);
	return row?.id;
}

/** Connects GitHub with a token (personal or fine-grained); the token is checked, then sealed at rest. */
export async function connectGithubToken(
	context: ServiceContext,
	params: OrgScope & { token: string; createdBy?: string | null },
	config: GithubConfig,
): Promise<Connection> {
	const token = params.token.trim();
	if (!token) throw new GithubRequestError(422, "A GitHub token is required");
	let login: string;
	try {
		login = (await tokenOctokit(config, token).rest.users.getAuthenticated()).data.login;
	} catch (error) {
		throw githubError(error, "verify the token");
	}
	// Re-connecting an account keeps its connection id (the sealed token is bound to it).
	const id = (await existingConnectionId(context, params.organizationId, login)) ?? randomUUID();
	return upsertConnection(context, {
		id,
		organizationId: params.organizationId,
		provider: "github",
		kind: "personal_token",
		accountLogin: login,
		externalId: null,
		sealedCredentials: config.secretBox.seal(token, `connection:${id}`),
		apiUrl: config.apiUrl,
		createdBy: params.createdBy ?? null,
	});
}

/** Connects a GitHub App installation (after GitHub redirects back with its installation id). */
export async function connectGithubApp(
	context: ServiceContext,
	params: OrgScope & { installationId: string; createdBy?: string | null },
	config: GithubConfig,
): Promise<Connection> {
	if (!/^\d+$/.test(params.installationId))
		throw new GithubRequestError(422, "An installation id is a number");
	const octokit = appOctokit(config);
	let login: string;
	try {
		const { data } = await octokit.rest.apps.getInstallation({
			installation_id: Number(params.installationId),
		});
		const account = data.account as { login?: string; slug?: string } | null;
		login = account?.login ?? account?.slug ?? `installation-${params.installationId}`;
	} catch (error) {
		throw githubError(error, "read the app installation");
	}
	return upsertConnection(context, {
		id: (await existingConnectionId(context, params.organizationId, login)) ?? randomUUID(),
		organizationId: params.organizationId,
		provider: "github",
		kind: "github_app",
		accountLogin: login,
		externalId: params.installationId,
		sealedCredentials: null,
		apiUrl: config.apiUrl,
		createdBy: params.createdBy ?? null,
	});
}

/** Whether the organization has a GitHub connection (repository import and pull requests need one). */
export async function hasGithubConnection(context: ServiceContext, params: OrgScope): Promise<boolean> {
	return (await githubConnectionRows(context, params.organizationId)).length > 0;
}

export async function listConnections(context: ServiceContext, params: OrgScope): Promise<Connection[]> {
	const rows = await context.db
		.select()
		.from(schema.integrationConnections)
		.where(eq(schema.integrationConnections.organizationId, params.organizationId))
		.orderBy(schema.integrationConnections.createdAt);
	return rows.map(toConnection);
}

/** One of the organization's connections (another organization's id is simply not found). */
export async function getConnection(
	context: ServiceContext,
	params: OrgScope & { connectionId: string },
): Promise<Connection> {
	const [row] = isUuid(params.connectionId)
		? await context.db
				.select()
				.from(schema.integrationConnections)
				.where(
					and(
						eq(schema.integrationConnections.id, params.connectionId),
						eq(schema.integrationConnections.organizationId, params.organizationId),
					),
				)
		: [];
	if (!row) throw new ConnectionNotFoundError(params.connectionId);
	return toConnection(row);
}

export async function removeConnection(
	context: ServiceContext,
	params: OrgScope & { connectionId: string },
): Promise<void> {
	const deleted = isUuid(params.connectionId)
		? await context.db
				.delete(schema.integrationConnections)
				.where(
					and(
						eq(schema.integrationConnections.id, params.connectionId),
						eq(schema.integrationConnections.organizationId, params.organizationId),
					),
				)
				.returning({ id: schema.integrationConnections.id })
		: [];
	if (deleted.length === 0) throw new ConnectionNotFoundError(params.connectionId);
}

async function githubConnectionRows(
	context: ServiceContext,
	organizationId: string,
): Promise<ConnectionRow[]> {
	const rows = await context.db
		.select()
		.from(schema.integrationConnections)
		.where(
			and(
				eq(schema.integrationConnections.organizationId, organizationId),
				eq(schema.integrationConnections.provider, "github"),
			),
		);
	return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Which connection acts for a repository of `owner`: the one on that account, else the
 * organization's only connection, else its only token connection (an installation reaches only its
 * own account's repositories; a token also reaches those its user collaborates on).
 */
function connectionForOwner(rows: ConnectionRow[], owner: string): ConnectionRow | undefined {
	const own = rows.find((row) => row.accountLogin.toLowerCase() === owner.toLowerCase());
	if (own) return own;
	if (rows.length === 1) return rows[0];
	const tokens = rows.filter((row) => row.kind === "personal_token");
	return tokens.length === 1 ? tokens[0] : undefined;
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

function clientFor(row: ConnectionRow, config: GithubConfig): GithubClient {
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
 * The organization's GitHub connection for a repository of `owner` (see `connectionForOwner`), as
 * one client: resolve it once per operation and pass it along.
 */
export async function githubClientFor(
	context: ServiceContext,
	params: OrgScope & { owner: string },
	config: GithubConfig,
): Promise<GithubClient> {
	const rows = await githubConnectionRows(context, params.organizationId);
	const row = connectionForOwner(rows, params.owner);
	if (!row) {
		throw new GithubNotConnectedError(
			rows.length === 0 ? undefined : `None of this organization's GitHub connections is for ${params.owner}`,
		);
	}
	return clientFor(row, config);
}

/**
 * A short-lived token to clone a repository of the organization with (sessions' sandboxes), or
 * null when no connection acts for its owner (public repositories clone without one).
 */
export async function githubCloneToken(
	context: ServiceContext,
	params: OrgScope & { repoFullName: string },
	config: GithubConfig,
): Promise<string | null> {
	const owner = params.repoFullName.split("/")[0] ?? "";
	const row = connectionForOwner(await githubConnectionRows(context, params.organizationId), owner);
	return row ? clientFor(row, config).gitToken() : null;
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

/** A repository as the organization's GitHub connection sees it. */
export interface GithubRepository {
	fullName: string;
	cloneUrl: string;
	defaultBranch: string;
	private: boolean;
	/** The account of the connection that acts for it. */
	account: string;
}

interface RepositoryData {
	full_name: string;
	clone_url: string;
	default_branch?: string;
	private: boolean;
}

const toGithubRepository = (repository: RepositoryData, account: string): GithubRepository => ({
	fullName: repository.full_name,
	cloneUrl: repository.clone_url,
	defaultBranch: repository.default_branch ?? "main",
	private: repository.private,
	account,
});

/**
 * Repositories the organization can import: for each GitHub connection, what it can see (an
 * installation: `GET /installation/repositories`; a token: its user's repositories) and acts for,
 * sorted by name. GITHUB_NOT_CONNECTED without a connection.
 */
export async function listGithubRepositories(
	context: ServiceContext,
	params: OrgScope,
	config: GithubConfig,
): Promise<GithubRepository[]> {
	const rows = await githubConnectionRows(context, params.organizationId);
	if (rows.length === 0) throw new GithubNotConnectedError();
	const perConnection = await Promise.all(
		rows.map(async (row) => {
			const { octokit } = clientFor(row, config);
			try {
				const repositories: RepositoryData[] =
					row.kind === "github_app"
						? await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })
						: await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, { per_page: 100 });
				return repositories
					.filter((repository) => connectionForOwner(rows, repository.full_name.split("/")[0] ?? "") === row)
					.map((repository) => toGithubRepository(repository, row.accountLogin));
			} catch (error) {
				throw githubError(error, `list the repositories of ${row.accountLogin}`);
			}
		}),
	);
	return perConnection.flat().sort((a, b) => a.fullName.localeCompare(b.fullName));
}

/** GitHub's owner/name: an account (letters, digits, hyphens) and a repository name other than "." or "..". */
export function isGithubFullName(fullName: string): boolean {
	return /^[A-Za-z0-9][A-Za-z0-9-]*\/(?!\.{1,2}$)[\w.-]+$/.test(fullName);
}

/** One repository through the connection that acts for its owner (404 when that connection cannot see it). */
export async function getGithubRepository(
	context: ServiceContext,
	params: OrgScope & { fullName: string },
	config: GithubConfig,
): Promise<GithubRepository> {
	const fullName = params.fullName.trim();
	const [owner = "", repo = ""] = fullName.split("/");
	if (!isGithubFullName(fullName)) throw new GithubRequestError(422, `${fullName} is not an owner/name`);
	const { octokit, connection } = await githubClientFor(
		context,
		{ organizationId: params.organizationId, owner },
		config,
	);
	try {
		const { data } = await octokit.rest.repos.get({ owner, repo });
		return toGithubRepository(data, connection.accountLogin);
	} catch (error) {
		if ((error as { status?: number }).status === 404) {
			throw new GithubRequestError(
				404,
				`${fullName} does not exist or is not visible to the GitHub connection ${connection.accountLogin}`,
			);
		}
		throw githubError(error, `read ${fullName}`);
	}
}
