export * from "./errors";
export { type GithubClient, isGithubFullName, openPullRequest, type PullRequest } from "./github";
export { consumeGithubAppState, createGithubAppState, githubAppStateLifetimeMs } from "./github-app-state";
export {
	type GithubAppOAuth,
	GithubAppUserError,
	type GithubAppUserProblem,
	githubUserCanAccessInstallation,
} from "./github-app-user";
export type { GithubConfig } from "./github-client";
export type { Connection, GithubRepository } from "./mapper";
export { SecretBox } from "./secret-box";
export * from "./service";
