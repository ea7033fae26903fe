import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import { GithubNotConnectedError } from "../integrations/errors";
import { isGithubFullName } from "../integrations/github";
import type { GithubConfig } from "../integrations/github-client";
import type { GithubRepository } from "../integrations/mapper";
import {
	getGithubRepository,
	listGithubRepositories as listConnectionRepositories,
} from "../integrations/service";
import * as reposDb from "./db";
import {
	InvalidRepoSourceError,
	LocalReposDisabledError,
	RepoNameTakenError,
	RepoNotFoundError,
} from "./errors";
import { probeRemote, type RemoteProbe } from "./git-remote";
import { type Repo, type RepoSourceKind, toRepo } from "./mapper";

/** Derives "owner/name" (or the last path segment) from a git URL or path. */
export function repoNameFromUrl(url: string): string {
	const cleaned = url.replace(/\/+$/, "").replace(/\.git$/, "");
	const match = cleaned.match(/[:/]([^/:]+\/[^/:]+)$/);
	if (match?.[1] && !isAbsolute(cleaned)) return match[1];
	return cleaned.split("/").pop() || cleaned;
}

/** "owner/name" when the URL points at github.com (HTTPS, SSH or scp-style), else null. */
export function githubFullNameFromUrl(url: string): string | null {
	const match = url
		.trim()
		.replace(/\/+$/, "")
		.match(
			/^(?:https:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com\/|git@github\.com:)([\w.-]+)\/([\w.-]+?)(?:\.git)?$/,
		);
	const fullName = match ? `${match[1]}/${match[2]}` : null;
	return fullName && isGithubFullName(fullName) ? fullName : null;
}

function validateSource(sourceKind: RepoSourceKind, url: string): void {
	if (sourceKind === "local_path") {
		if (!isAbsolute(url)) throw new InvalidRepoSourceError("A local repository path must be absolute");
		return;
	}
	const isScpStyle = /^[\w.-]+@[\w.-]+:[\w./-]+$/.test(url);
	if (isScpStyle) return;
	try {
		const parsed = new URL(url);
		if (!["https:", "http:", "ssh:", "git:", "file:"].includes(parsed.protocol)) {
			throw new InvalidRepoSourceError(`Unsupported git URL protocol ${parsed.protocol}`);
		}
	} catch (error) {
		if (error instanceof InvalidRepoSourceError) throw error;
		throw new InvalidRepoSourceError(`${url} is not a git URL`);
	}
}

export async function createRepo(
	context: ServiceContext,
	params: OrgScope & {
		url: string;
		sourceKind: RepoSourceKind;
		name?: string;
		defaultBranch?: string;
		/** "owner/name" on GitHub; derived from a github.com URL when not given. */
		githubFullName?: string | null;
		createdBy?: string | null;
	},
): Promise<Repo> {
	const url = params.url.trim();
	validateSource(params.sourceKind, url);
	const name = (params.name ?? repoNameFromUrl(url)).trim();
	if (!name) throw new InvalidRepoSourceError("A repository needs a name");
	const githubFullName = params.githubFullName?.trim() || githubFullNameFromUrl(url);
	if (githubFullName && !isGithubFullName(githubFullName)) {
		throw new InvalidRepoSourceError(`${githubFullName} is not a GitHub owner/name`);
	}
	if (await reposDb.findRepoByName(context.db, { organizationId: params.organizationId, name })) {
		throw new RepoNameTakenError(name);
	}
	const row = await reposDb.insertRepo(context.db, {
		organizationId: params.organizationId,
		name,
		sourceKind: params.sourceKind,
		url,
		defaultBranch: params.defaultBranch ?? "main",
		githubFullName: githubFullName ?? null,
		createdBy: params.createdBy ?? null,
	});
	// Another request may have taken the name since the check above (a double-clicked "Add").
	if (!row) throw new RepoNameTakenError(name);
	return toRepo(row);
}

export async function getRepo(context: ServiceContext, params: OrgScope & { repoId: string }): Promise<Repo> {
	const row = isUuid(params.repoId) ? await reposDb.findRepo(context.db, params) : undefined;
	if (!row) throw new RepoNotFoundError(params.repoId);
	return toRepo(row);
}

export async function listRepos(
	context: ServiceContext,
	params: OrgScope & { search?: string },
): Promise<Repo[]> {
	const rows = await reposDb.listRepos(context.db, params);
	return rows.map(toRepo);
}

export async function deleteRepo(
	context: ServiceContext,
	params: OrgScope & { repoId: string },
): Promise<void> {
	const deleted = isUuid(params.repoId) ? await reposDb.deleteRepo(context.db, params) : false;
	if (!deleted) throw new RepoNotFoundError(params.repoId);
}

/** Where a repository comes from when a person adds it. */
export type RepoSourceInput =
	| { kind: "git_url"; url: string }
	| { kind: "local_path"; path: string }
	| { kind: "github"; fullName: string };

export interface AddRepoParams extends OrgScope {
	source: RepoSourceInput;
	name?: string;
	createdBy?: string | null;
	/** Self-hosted mode: local paths on the server's disk are accepted. */
	allowLocalPaths: boolean;
	/** How the platform talks to GitHub (imports go through the organization's GitHub connection). */
	github?: GithubConfig | undefined;
	/** Overridable for tests; `git ls-remote --symref` by default. */
	probe?: (url: string) => Promise<RemoteProbe>;
}

/**
 * Adds a repository from a git URL, a local path (self-hosted only) or the GitHub connection,
 * detecting its default branch (`git ls-remote --symref`, or GitHub's answer).
 */
export async function addRepo(context: ServiceContext, params: AddRepoParams): Promise<Repo> {
	const probe = params.probe ?? probeRemote;
	const common = {
		organizationId: params.organizationId,
		createdBy: params.createdBy ?? null,
		...(params.name?.trim() ? { name: params.name.trim() } : {}),
	};
	switch (params.source.kind) {
		case "git_url": {
			const url = params.source.url.trim();
			validateSource("git_url", url);
			if (url.startsWith("file:") && !params.allowLocalPaths) throw new LocalReposDisabledError();
			const { defaultBranch } = await probe(url);
			return createRepo(context, { ...common, url, sourceKind: "git_url", defaultBranch });
		}
		case "local_path": {
			if (!params.allowLocalPaths) throw new LocalReposDisabledError();
			const path = params.source.path.trim().replace(/\/+$/, "") || "/";
			validateSource("local_path", path);
			if (!existsSync(path)) throw new InvalidRepoSourceError(`${path} does not exist on the server`);
			const { defaultBranch } = await probe(path);
			return createRepo(context, { ...common, url: path, sourceKind: "local_path", defaultBranch });
		}
		case "github": {
			if (!params.github) throw new GithubNotConnectedError("GitHub is not configured on this platform");
			const repository = await getGithubRepository(
				context,
				{ organizationId: params.organizationId, fullName: params.source.fullName },
				params.github,
			);
			// The clone URL carries no credentials: sessions clone with a fresh token from the connection.
			return createRepo(context, {
				...common,
				name: common.name ?? repository.fullName,
				url: repository.cloneUrl,
				sourceKind: "github",
				defaultBranch: repository.defaultBranch,
				githubFullName: repository.fullName,
			});
		}
	}
}

/** Repositories the organization's GitHub connections can import, marking the ones already added. */
export async function listGithubRepositories(
	context: ServiceContext,
	params: OrgScope & { search?: string },
	config: GithubConfig,
): Promise<(GithubRepository & { added: boolean })[]> {
	const [available, existing] = await Promise.all([
		listConnectionRepositories(context, { organizationId: params.organizationId }, config),
		reposDb.listRepos(context.db, { organizationId: params.organizationId }),
	]);
	const addedNames = new Set(
		existing.flatMap((row) => (row.githubFullName ? [row.githubFullName.toLowerCase()] : [])),
	);
	const addedUrls = new Set(existing.map((row) => row.url));
	const search = params.search?.trim().toLowerCase();
	return available
		.filter((repository) => !search || repository.fullName.toLowerCase().includes(search))
		.map((repository) => ({
			...repository,
			added: addedNames.has(repository.fullName.toLowerCase()) || addedUrls.has(repository.cloneUrl),
		}));
}
