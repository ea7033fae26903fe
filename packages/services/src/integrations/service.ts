import { randomUUID } from "node:crypto";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import * as integrationsDb from "./db";
import { ConnectionNotFoundError, GithubNotConnectedError, GithubRequestError } from "./errors";
import {
	fetchInstallationLogin,
	fetchRepository,
	fetchTokenLogin,
	type GithubClient,
	githubClientForConnection,
	isGithubFullName,
	listVisibleRepositories,
} from "./github";
import type { GithubConfig } from "./github-client";
import { type Connection, type GithubRepository, toConnection, toGithubRepository } from "./mapper";

async function upsertConnection(
	context: ServiceContext,
	values: integrationsDb.ConnectionInsert,
): Promise<Connection> {
	return toConnection(await integrationsDb.upsertConnection(context.db, values));
}

/** Connects GitHub with a token (personal or fine-grained); the token is checked, then sealed at rest. */
export async function connectGithubToken(
	context: ServiceContext,
	params: OrgScope & { token: string; createdBy?: string | null },
	config: GithubConfig,
): Promise<Connection> {
	const token = params.token.trim();
	if (!token) throw new GithubRequestError(422, "A GitHub token is required");
	const login = await fetchTokenLogin(config, token);
	// Re-connecting an account keeps its connection id (the sealed token is bound to it).
	const id =
		(await integrationsDb.findGithubConnectionId(context.db, {
			organizationId: params.organizationId,
			accountLogin: login,
		})) ?? randomUUID();
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
	const login = await fetchInstallationLogin(config, params.installationId);
	return upsertConnection(context, {
		id:
			(await integrationsDb.findGithubConnectionId(context.db, {
				organizationId: params.organizationId,
				accountLogin: login,
			})) ?? randomUUID(),
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
	const rows = await integrationsDb.listConnections(context.db, { organizationId: params.organizationId });
	return rows.map(toConnection);
}

/** One of the organization's connections (another organization's id is simply not found). */
export async function getConnection(
	context: ServiceContext,
	params: OrgScope & { connectionId: string },
): Promise<Connection> {
	const row = isUuid(params.connectionId)
		? await integrationsDb.findConnection(context.db, {
				organizationId: params.organizationId,
				connectionId: params.connectionId,
			})
		: undefined;
	if (!row) throw new ConnectionNotFoundError(params.connectionId);
	return toConnection(row);
}

export async function removeConnection(
	context: ServiceContext,
	params: OrgScope & { connectionId: string },
): Promise<void> {
	const deleted = isUuid(params.connectionId)
		? await integrationsDb.deleteConnection(context.db, {
				organizationId: params.organizationId,
				connectionId: params.connectionId,
			})
		: false;
	if (!deleted) throw new ConnectionNotFoundError(params.connectionId);
}

/** The organization's GitHub connections, oldest first. */
async function githubConnectionRows(
	context: ServiceContext,
	organizationId: string,
): Promise<integrationsDb.ConnectionRow[]> {
	const rows = await integrationsDb.listGithubConnections(context.db, { organizationId });
	return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Which connection acts for a repository of `owner`: the one on that account, else the
 * organization's only connection, else its only token connection (an installation reaches only its
 * own account's repositories; a token also reaches those its user collaborates on).
 */
function connectionForOwner(
	rows: integrationsDb.ConnectionRow[],
	owner: string,
): integrationsDb.ConnectionRow | undefined {
	const own = rows.find((row) => row.accountLogin.toLowerCase() === owner.toLowerCase());
	if (own) return own;
	if (rows.length === 1) return rows[0];
	const tokens = rows.filter((row) => row.kind === "personal_token");
	return tokens.length === 1 ? tokens[0] : undefined;
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
	return githubClientForConnection(row, config);
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
	return row ? githubClientForConnection(row, config).gitToken() : null;
}

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
			const repositories = await listVisibleRepositories(githubClientForConnection(row, config));
			return repositories
				.filter((repository) => connectionForOwner(rows, repository.full_name.split("/")[0] ?? "") === row)
				.map((repository) => toGithubRepository(repository, row.accountLogin));
		}),
	);
	return perConnection.flat().sort((a, b) => a.fullName.localeCompare(b.fullName));
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
	const client = await githubClientFor(context, { organizationId: params.organizationId, owner }, config);
	const data = await fetchRepository(client, { owner, repo, fullName });
	return toGithubRepository(data, client.connection.accountLogin);
}
