export type { EnvFileSpec, RepoConfig, ServiceCommand } from "./mapper";
export * from "./service";
