import { integrations } from "@proliferate/services";
import { DomainError } from "@proliferate/shared/errors";
import type { WebContext } from "./context";
import type { WebEnv } from "./env";

/**
 * How the web app talks to GitHub for the organization's connections (connecting, importing
 * repositories): GITHUB_API_URL, the optional GitHub App, and the key that seals tokens — without
 * that key it refuses clearly.
 */
export function githubConfig(env: WebEnv): integrations.GithubConfig {
	if (!env.SECRETS_ENCRYPTION_KEY) {
		throw new DomainError(
			"precondition_failed",
			"SECRETS_ENCRYPTION_KEY_MISSING",
			"GitHub connections need SECRETS_ENCRYPTION_KEY (64 hex characters) in the web app's configuration",
		);
	}
	return {
		apiUrl: env.GITHUB_API_URL,
		...(env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY
			? { app: { appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY } }
			: {}),
		secretBox: new integrations.SecretBox(env.SECRETS_ENCRYPTION_KEY),
	};
}

/** Whether owners and admins can install the deployment's GitHub App from the integrations page. */
export type GithubAppAvailability =
	| { configured: true; slug: string; installUrl: string }
	| { configured: false; missing: string[] };

const githubAppKeys = [
	"GITHUB_APP_ID",
	"GITHUB_APP_PRIVATE_KEY",
	"GITHUB_APP_SLUG",
	"GITHUB_APP_CLIENT_ID",
	"GITHUB_APP_CLIENT_SECRET",
] as const;

/**
 * The App's installation page (`<GITHUB_OAUTH_URL>/apps/<slug>/installations/new`) when all five keys
 * are set: the App's OAuth client is what proves the installing user can access the installation.
 */
export function githubAppAvailability(env: WebEnv): GithubAppAvailability {
	const missing = githubAppKeys.filter((key) => !env[key]);
	if (missing.length > 0 || !env.GITHUB_APP_SLUG) return { configured: false, missing };
	const installUrl = new URL(
		`apps/${encodeURIComponent(env.GITHUB_APP_SLUG)}/installations/new`,
		env.GITHUB_OAUTH_URL.endsWith("/") ? env.GITHUB_OAUTH_URL : `${env.GITHUB_OAUTH_URL}/`,
	);
	return { configured: true, slug: env.GITHUB_APP_SLUG, installUrl: installUrl.toString() };
}

/**
 * GitHub settings to act through the organization's connections; says the organization has no
 * connection before anything else (the sealing key only matters once there is one to open).
 */
export async function connectedGithubConfig(web: WebContext, organizationId: string) {
	if (!(await integrations.hasGithubConnection(web.services, { organizationId }))) {
		throw new integrations.GithubNotConnectedError();
	}
	return githubConfig(web.env);
}

/**
 * The GitHub App's own OAuth client, to prove the installing user can access an installation
 * (`integrations.githubUserCanAccessInstallation`); null without GITHUB_APP_CLIENT_ID/SECRET.
 */
export function githubAppOAuth(env: WebEnv): integrations.GithubAppOAuth | null {
	if (!env.GITHUB_APP_CLIENT_ID || !env.GITHUB_APP_CLIENT_SECRET) return null;
	return {
		oauthUrl: env.GITHUB_OAUTH_URL,
		apiUrl: env.GITHUB_API_URL,
		clientId: env.GITHUB_APP_CLIENT_ID,
		clientSecret: env.GITHUB_APP_CLIENT_SECRET,
	};
}
