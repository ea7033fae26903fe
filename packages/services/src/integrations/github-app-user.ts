/** Why the installing user's authorization did not prove access to the installation. */
export type GithubAppUserProblem = "code_rejected" | "token_rejected" | "unavailable";

/** The user authorization GitHub sent with an installation could not be used (the user token never appears in it). */
export class GithubAppUserError extends Error {
	constructor(
		readonly problem: GithubAppUserProblem,
		message: string,
	) {
		super(message);
		this.name = "GithubAppUserError";
	}
}

export interface GithubAppOAuth {
	/** GitHub's web base URL (GITHUB_OAUTH_URL), where `/login/oauth/access_token` lives. */
	oauthUrl: string;
	/** GitHub's API base URL (GITHUB_API_URL). */
	apiUrl: string;
	/** The GitHub App's own OAuth client (GITHUB_APP_CLIENT_ID / GITHUB_APP_CLIENT_SECRET). */
	clientId: string;
	clientSecret: string;
	fetch?: typeof fetch;
}

const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, "")}/${path}`;

async function call(
	doFetch: typeof fetch,
	url: string,
	init: RequestInit,
	action: string,
): Promise<Response> {
	let response: Response;
	try {
		response = await doFetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
	} catch (error) {
		throw new GithubAppUserError(
			"unavailable",
			`GitHub could not be reached to ${action}: ${error instanceof Error ? error.message : String(error)}`,
		);
	}
	if (response.status >= 500 || response.status === 429) {
		throw new GithubAppUserError("unavailable", `GitHub could not ${action}: HTTP ${response.status}`);
	}
	return response;
}

/**
 * Proves the user who installed the GitHub App can access `installationId`: exchanges the `code`
 * GitHub sent with the installation ("Request user authorization (OAuth) during installation") for a
 * user access token with the App's OAuth client, then pages through `GET /user/installations` (the
 * App's installations that user can access) looking for the id. The token lives only in this call:
 * it is neither returned, stored nor logged. Resolves to whether the installation is listed.
 */
export async function githubUserCanAccessInstallation(
	params: { code: string; installationId: string },
	config: GithubAppOAuth,
): Promise<boolean> {
	const doFetch = config.fetch ?? fetch;
	const exchange = await call(
		doFetch,
		joinUrl(config.oauthUrl, "login/oauth/access_token"),
		{
			method: "POST",
			headers: { accept: "application/json", "content-type": "application/json" },
			body: JSON.stringify({
				client_id: config.clientId,
				client_secret: config.clientSecret,
				code: params.code,
			}),
		},
		"exchange the installation's user authorization",
	);
	const grant = (await exchange.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
	if (!exchange.ok || typeof grant.access_token !== "string" || !grant.access_token) {
		throw new GithubAppUserError(
			"code_rejected",
			`GitHub refused the installation's user authorization (${typeof grant.error === "string" ? grant.error : `HTTP ${exchange.status}`})`,
		);
	}
	const headers = {
		accept: "application/vnd.github+json",
		authorization: `Bearer ${grant.access_token}`,
		"x-github-api-version": "2022-11-28",
	};
	const perPage = 100;
	// GitHub caps this list far below 100 pages for any real user; the bound only stops a runaway loop.
	for (let page = 1; page <= 100; page++) {
		const response = await call(
			doFetch,
			joinUrl(config.apiUrl, `user/installations?per_page=${perPage}&page=${page}`),
			{ headers },
			"list the installations the user can access",
		);
		if (response.status === 401 || response.status === 403) {
			throw new GithubAppUserError(
				"token_rejected",
				`GitHub refused the user's token listing their installations (HTTP ${response.status})`,
			);
		}
		if (!response.ok) {
			throw new GithubAppUserError(
				"unavailable",
				`GitHub could not list the user's installations: HTTP ${response.status}`,
			);
		}
		const body = (await response.json().catch(() => ({}))) as { installations?: { id?: unknown }[] };
		const installations = Array.isArray(body.installations) ? body.installations : [];
		if (installations.some((installation) => String(installation.id) === params.installationId)) return true;
		const hasNext = /rel="next"/.test(response.headers.get("link") ?? "");
		if (!hasNext || installations.length === 0) return false;
	}
	return false;
}
