import type { ConnectionRow } from "./db";

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

export function toConnection(row: ConnectionRow): Connection {
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

/** A repository as the organization's GitHub connection sees it. */
export interface GithubRepository {
	fullName: string;
	cloneUrl: string;
	defaultBranch: string;
	private: boolean;
	/** The account of the connection that acts for it. */
	account: string;
}

/** A repository as GitHub's REST API returns it (the fields the platform reads). */
export interface GithubRepositoryData {
	full_name: string;
	clone_url: string;
	default_branch?: string;
	private: boolean;
}

export const toGithubRepository = (repository: GithubRepositoryData, account: string): GithubRepository => ({
	fullName: repository.full_name,
	cloneUrl: repository.clone_url,
	defaultBranch: repository.default_branch ?? "main",
	private: repository.private,
	account,
});
