import { randomUUID } from "node:crypto";
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

/** The organization's GitHub connection for `owner` (else its only one), with an API client acting through it. */
export async function githubClientFor(
	context: ServiceContext,
	params: OrgScope & { owner: string },
	config: GithubConfig,
) {
	const rows = (
		await context.db
			.select()
			.from(schema.integrationConnections)
			.where(
				and(
					eq(schema.integrationConnections.organizationId, params.organizationId),
					eq(schema.integrationConnections.provider, "github"),
				),
			)
	).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
	const row =
		rows.find((candidate) => candidate.accountLogin.toLowerCase() === params.owner.toLowerCase()) ??
		(rows.length === 1 ? rows[0] : undefined);
	if (!row) {
		throw new GithubNotConnectedError(
			rows.length === 0
				? "Connect GitHub in the organization's settings to open pull requests"
				: `None of this organization's GitHub connections is for ${params.owner}`,
		);
	}
	if (row.kind === "github_app") {
		return {
			connection: toConnection(row),
			octokit: appOctokit(config, row.externalId ?? undefined, row.apiUrl),
		};
	}
	const token = config.secretBox.open(row.sealedCredentials ?? "", `connection:${row.id}`);
	return { connection: toConnection(row), octokit: tokenOctokit(config, token, row.apiUrl) };
}

/** A token git can push with (installation tokens are minted on demand and expire within an hour). */
export async function githubGitToken(
	context: ServiceContext,
	params: OrgScope & { owner: string },
	config: GithubConfig,
): Promise<string> {
	const { octokit } = await githubClientFor(context, params, config);
	const auth = (await octokit.auth({ type: "installation" }).catch(() => octokit.auth())) as {
		token?: string;
	};
	if (!auth.token) throw new GithubNotConnectedError("The GitHub connection has no token to push with");
	return auth.token;
}

export interface PullRequest {
	number: number;
	url: string;
	/** True when a pull request for the branch was already open (it is returned, not duplicated). */
	existing: boolean;
}

/** Opens a pull request, or returns the one already open for `head`. */
export async function openPullRequest(
	context: ServiceContext,
	params: OrgScope & { repoFullName: string; head: string; base: string; title: string; body?: string },
	config: GithubConfig,
): Promise<PullRequest> {
	const [owner, repo] = params.repoFullName.split("/");
	if (!owner || !repo) throw new GithubRequestError(422, `${params.repoFullName} is not an owner/name`);
	const { octokit } = await githubClientFor(
		context,
		{ organizationId: params.organizationId, owner },
		config,
	);
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

export interface GithubRepository {
	fullName: string;
	cloneUrl: string;
	defaultBranch: string;
	private: boolean;
}

/** Repositories a connection can see (for "add a repository from GitHub"). */
export async function listGithubRepositories(
	context: ServiceContext,
	params: OrgScope & { connectionId: string },
	config: GithubConfig,
): Promise<GithubRepository[]> {
	const row = await getConnection(context, params);
	const { octokit } = await githubClientFor(
		context,
		{ organizationId: params.organizationId, owner: row.accountLogin },
		config,
	);
	try {
		const repositories =
			row.kind === "github_app"
				? await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })
				: await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, { per_page: 100 });
		return (
			repositories as { full_name: string; clone_url: string; default_branch?: string; private: boolean }[]
		).map((repository) => ({
			fullName: repository.full_name,
			cloneUrl: repository.clone_url,
			defaultBranch: repository.default_branch ?? "main",
			private: repository.private,
		}));
	} catch (error) {
		throw githubError(error, "list repositories");
	}
}
