import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { GithubAppNotConfiguredError, GithubAuthError, GithubRequestError } from "./errors";
import type { SecretBox } from "./secret-box";

/** How the platform talks to GitHub: API base URL, the optional GitHub App, and the key sealing tokens. */
export interface GithubConfig {
	apiUrl: string;
	app?: { appId: string; privateKey: string } | undefined;
	secretBox: SecretBox;
	/** Retries of idempotent requests on 5xx/network errors (default 2). */
	retries?: number;
}

const userAgent = "proliferate";

function withRetries(octokit: Octokit, retries: number): Octokit {
	octokit.hook.wrap("request", async (request, options) => {
		const idempotent = ["GET", "HEAD"].includes(String(options.method).toUpperCase());
		for (let attempt = 0; ; attempt++) {
			try {
				return await request(options);
			} catch (error) {
				const status = (error as { status?: number }).status ?? 0;
				const retriable = idempotent && (status >= 500 || status === 0);
				if (!retriable || attempt >= retries) throw error;
				await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
			}
		}
	});
	return octokit;
}

export function tokenOctokit(config: GithubConfig, token: string, apiUrl = config.apiUrl): Octokit {
	return withRetries(
		new Octokit({ auth: token, baseUrl: apiUrl, userAgent, log: quietLog }),
		config.retries ?? 2,
	);
}

export function appOctokit(config: GithubConfig, installationId?: string, apiUrl = config.apiUrl): Octokit {
	if (!config.app) throw new GithubAppNotConfiguredError();
	return withRetries(
		new Octokit({
			authStrategy: createAppAuth,
			auth: {
				appId: config.app.appId,
				privateKey: config.app.privateKey,
				...(installationId ? { installationId: Number(installationId) } : {}),
			},
			baseUrl: apiUrl,
			userAgent,
			log: quietLog,
		}),
		config.retries ?? 2,
	);
}

const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Maps Octokit's RequestError to our typed errors with GitHub's own message. */
export function githubError(error: unknown, action: string): Error {
	const status = (error as { status?: number }).status;
	if (status === undefined) {
		const message = error instanceof Error ? error.message : String(error);
		return new GithubRequestError(0, `GitHub could not be reached to ${action}: ${message}`);
	}
	const data = (error as { response?: { data?: { message?: string; errors?: { message?: string }[] } } })
		.response?.data;
	const detail = [data?.message, ...(data?.errors ?? []).map((item) => item.message)]
		.filter(Boolean)
		.join(": ");
	if (status === 401)
		return new GithubAuthError(`GitHub refused the connection's credentials (${detail || "401"})`);
	if (status === 403 && /rate limit/i.test(detail))
		return new GithubRequestError(429, `GitHub rate limit: ${detail}`);
	return new GithubRequestError(status, `GitHub could not ${action}: ${detail || `HTTP ${status}`}`);
}
