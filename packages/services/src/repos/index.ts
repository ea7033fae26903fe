export * from "./errors";
export { parseSymrefHead, probeRemote, type RemoteProbe } from "./git-remote";
export type { Repo, RepoSourceKind } from "./mapper";
export * from "./service";
