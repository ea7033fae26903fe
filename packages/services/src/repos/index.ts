export * from "./errors";
export { parseSymrefHead, probeRemote, type RemoteProbe } from "./git-remote";
export { createGithubRepositorySource, type GithubRepository, type GithubRepositorySource } from "./github";
export type { Repo, RepoSourceKind } from "./mapper";
export * from "./service";
