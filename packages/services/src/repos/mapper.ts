import type { RepoRow } from "./db";

export type RepoSourceKind = "git_url" | "local_path" | "github";

export interface Repo {
	id: string;
	organizationId: string;
	name: string;
	sourceKind: RepoSourceKind;
	url: string;
	defaultBranch: string;
	githubFullName: string | null;
	createdAt: string;
}

export function toRepo(row: RepoRow): Repo {
	return {
		id: row.id,
		organizationId: row.organizationId,
		name: row.name,
		sourceKind: row.sourceKind,
		url: row.url,
		defaultBranch: row.defaultBranch,
		githubFullName: row.githubFullName,
		createdAt: row.createdAt.toISOString(),
	};
}
