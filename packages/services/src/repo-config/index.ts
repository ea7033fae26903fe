import { eq, schema } from "@proliferate/db";
import type { EnvFileSpec, ServiceCommand } from "@proliferate/db/schema";
import type { OrgScope, ServiceContext } from "../context";
import { getRepo } from "../repos/service";

export type { EnvFileSpec, ServiceCommand };

export interface RepoConfig {
	repoId: string;
	serviceCommands: ServiceCommand[];
	envFiles: EnvFileSpec[];
}

export async function getRepoConfig(
	context: ServiceContext,
	params: OrgScope & { repoId: string },
): Promise<RepoConfig> {
	await getRepo(context, params);
	const [row] = await context.db
		.select()
		.from(schema.repoConfigs)
		.where(eq(schema.repoConfigs.repoId, params.repoId));
	return {
		repoId: params.repoId,
		serviceCommands: row?.serviceCommands ?? [],
		envFiles: row?.envFiles ?? [],
	};
}

/** Saves part of a repository's configuration (whatever is given replaces what was stored). */
export async function saveRepoConfig(
	context: ServiceContext,
	params: OrgScope & { repoId: string; serviceCommands?: ServiceCommand[]; envFiles?: EnvFileSpec[] },
): Promise<RepoConfig> {
	await getRepo(context, params);
	const changes = {
		...(params.serviceCommands ? { serviceCommands: params.serviceCommands } : {}),
		...(params.envFiles ? { envFiles: params.envFiles } : {}),
	};
	await context.db
		.insert(schema.repoConfigs)
		.values({ repoId: params.repoId, organizationId: params.organizationId, ...changes })
		.onConflictDoUpdate({ target: schema.repoConfigs.repoId, set: { ...changes, updatedAt: new Date() } });
	return getRepoConfig(context, params);
}
