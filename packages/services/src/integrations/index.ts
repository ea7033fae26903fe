export * from "./errors";
export type { GithubConfig } from "./github-client";
export { SecretBox } from "./secret-box";
export * from "./service";
