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
