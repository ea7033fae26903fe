import type { EnvFileSpec, RepoConfigRow, ServiceCommand } from "./db";

export type { EnvFileSpec, ServiceCommand };

export interface RepoConfig {
	repoId: string;
	serviceCommands: ServiceCommand[];
	envFiles: EnvFileSpec[];
}

/** A repository's configuration; one never saved has no commands and no env files. */
export function toRepoConfig(repoId: string, row: RepoConfigRow | undefined): RepoConfig {
	return { repoId, serviceCommands: row?.serviceCommands ?? [], envFiles: row?.envFiles ?? [] };
}
