import { genericOAuth } from "better-auth/plugins/generic-oauth";

export interface GitHubOAuthOptions {
	clientId: string;
	clientSecret: string;
	/** https://github.com, a GitHub Enterprise host, or a test server speaking the same protocol. */
	oauthUrl: string;
	/** https://api.github.com (or the Enterprise / test API). */
	apiUrl: string;
}

interface GitHubUser {
	id: number;
	login: string;
	name: string | null;
	email: string | null;
	avatar_url: string | null;
}

interface GitHubEmail {
	email: string;
	primary: boolean;
	verified: boolean;
}

async function getJson<T>(url: string, accessToken: string): Promise<T | null> {
	const response = await fetch(url, {
		headers: {
			authorization: `Bearer ${accessToken}`,
			accept: "application/vnd.github+json",
			"user-agent": "proliferate",
		},
		signal: AbortSignal.timeout(10_000),
	});
	return response.ok ? ((await response.json()) as T) : null;
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * GitHub sign-in as a better-auth OAuth provider ("github", callback /api/auth/callback/github) with
 * configurable hosts, so Enterprise and a local test server work the same as github.com. The email is
 * the primary address from /user/emails, verified only when GitHub says so.
 */
export function githubOAuthPlugin(options: GitHubOAuthOptions) {
	const oauthUrl = trimSlash(options.oauthUrl);
	const apiUrl = trimSlash(options.apiUrl);
	return genericOAuth({
		config: [
			{
				providerId: "github",
				name: "GitHub",
				clientId: options.clientId,
				clientSecret: options.clientSecret,
				authorizationUrl: `${oauthUrl}/login/oauth/authorize`,
				tokenUrl: `${oauthUrl}/login/oauth/access_token`,
				scopes: ["read:user", "user:email"],
				pkce: false,
				getUserInfo: async (tokens) => {
					if (!tokens.accessToken) return null;
					const profile = await getJson<GitHubUser>(`${apiUrl}/user`, tokens.accessToken);
					if (!profile) return null;
					const emails = (await getJson<GitHubEmail[]>(`${apiUrl}/user/emails`, tokens.accessToken)) ?? [];
					const primary = emails.find((entry) => entry.primary) ?? emails[0];
					const email = primary?.email ?? profile.email;
					if (!email) return null;
					return {
						id: String(profile.id),
						name: profile.name || profile.login,
						email: email.toLowerCase(),
						emailVerified: Boolean(primary?.verified),
						image: profile.avatar_url ?? undefined,
					};
				},
			},
		],
	});
}
