export * from "./errors";
export type { Repo, RepoSourceKind } from "./mapper";
export * from "./service";
