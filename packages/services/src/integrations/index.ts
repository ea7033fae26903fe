export * from "./errors";
export { consumeGithubAppState, createGithubAppState, githubAppStateLifetimeMs } from "./github-app-state";
export type { GithubConfig } from "./github-client";
export { SecretBox } from "./secret-box";
export * from "./service";
