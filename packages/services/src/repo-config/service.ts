import type { OrgScope, ServiceContext } from "../context";
import { getRepo } from "../repos/service";
import * as repoConfigDb from "./db";
import { type EnvFileSpec, type RepoConfig, type ServiceCommand, toRepoConfig } from "./mapper";

export async function getRepoConfig(
	context: ServiceContext,
	params: OrgScope & { repoId: string },
): Promise<RepoConfig> {
	await getRepo(context, params);
	return toRepoConfig(params.repoId, await repoConfigDb.findRepoConfig(context.db, params));
}

/** Saves part of a repository's configuration (whatever is given replaces what was stored). */
export async function saveRepoConfig(
	context: ServiceContext,
	params: OrgScope & { repoId: string; serviceCommands?: ServiceCommand[]; envFiles?: EnvFileSpec[] },
): Promise<RepoConfig> {
	await getRepo(context, params);
	await repoConfigDb.upsertRepoConfig(context.db, params, {
		...(params.serviceCommands ? { serviceCommands: params.serviceCommands } : {}),
		...(params.envFiles ? { envFiles: params.envFiles } : {}),
	});
	return getRepoConfig(context, params);
}
