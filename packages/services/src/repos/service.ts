import { isAbsolute } from "node:path";
import type { OrgScope, ServiceContext } from "../context";
import { isUuid } from "../ids";
import * as reposDb from "./db";
import { InvalidRepoSourceError, RepoNameTakenError, RepoNotFoundError } from "./errors";
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
	return match ? `${match[1]}/${match[2]}` : null;
}

const fullNamePattern = /^[\w.-]+\/[\w.-]+$/;

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
	if (githubFullName && !fullNamePattern.test(githubFullName)) {
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
