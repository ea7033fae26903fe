export * from "./errors";
export { consumeGithubAppState, createGithubAppState, githubAppStateLifetimeMs } from "./github-app-state";
export {
	type GithubAppOAuth,
	GithubAppUserError,
	type GithubAppUserProblem,
	githubUserCanAccessInstallation,
} from "./github-app-user";
export type { GithubConfig } from "./github-client";
export { SecretBox } from "./secret-box";
export * from "./service";
