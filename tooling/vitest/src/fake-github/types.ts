/** A GitHub account as the OAuth flow and `/user`, `/user/emails` show it. */
export interface FakeGithubUser {
	id: number;
	login: string;
	name: string;
	emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface FakeGithubRepositoryOptions {
	/** Defaults to the source's HEAD branch, else "main". */
	defaultBranch?: string;
	private?: boolean;
	/** Users (besides the owner) whose tokens see and push to the repository. */
	collaborators?: string[];
	/** A git repository whose history is served (bare copy) at the repository's clone URL. */
	source?: string;
}

/**
 * A local HTTP server speaking the slice of GitHub the platform uses, with real checks:
 *
 * - REST (`Authorization: token|bearer`): `/user`, `/user/emails`, `/user/repos`,
 *   `/installation/repositories` (paginated with `Link` headers like GitHub), `/repos/{owner}/{repo}`,
 *   `/repos/{owner}/{repo}/pulls` (list, create; duplicate, empty and unknown-branch pull requests are
 *   refused as GitHub does), `/app/installations/{id}` and `/app/installations/{id}/access_tokens`
 *   (RS256 app JWTs verified with the app's public key; installation tokens expire after an hour).
 * - OAuth web flow: `/login/oauth/authorize` (redirects back with a code) and
 *   `/login/oauth/access_token` (checks the client credentials and the code; a code is single-use and
 *   only exchanged by the client it was issued for: the sign-in OAuth app or the GitHub App's own
 *   OAuth client `app.clientId`/`app.clientSecret`).
 * - The App's installation page `/apps/{slug}/installations/new?state=…`: the user approving at once,
 *   it redirects to the Setup URL given to `app.onInstall` with `installation_id`, `setup_action`,
 *   a `code` for the installing user ("Request user authorization (OAuth) during installation") and
 *   the `state` unchanged. `GET /user/installations` (a user token) lists the App's installations
 *   that user can access: the ones on their account and the ones they installed.
 * - Git smart HTTP at each repository's `clone_url` (`git http-backend`), for repositories added with
 *   a `source`: private repositories need a token (HTTP Basic, any user name), pushes need write access.
 *
 * Visibility follows GitHub: a private repository exists only for its owner's tokens, its
 * collaborators' tokens and the owner's app installation; everyone else gets 404.
 */
export interface FakeGithub {
	url: string;
	/** The OAuth app the authorize and token endpoints accept. */
	oauth: { clientId: string; clientSecret: string };
	/** The account the next OAuth authorization signs in as (created or updated). */
	signInAs(user: FakeGithubUser): void;
	/** A personal access token for `login` (the account is created when new). */
	addUserToken(login: string): string;
	/** Revokes a personal, OAuth or installation token (GitHub then answers 401 Bad credentials). */
	revokeToken(token: string): void;
	/** A GitHub App whose JWTs it verifies, with one installation per account login. */
	app: {
		appId: string;
		privateKey: string;
		/** The App's own OAuth client (exchanges the `code` sent with an installation). */
		clientId: string;
		clientSecret: string;
		/** github.com/apps/<slug> */
		slug: string;
		installationId: (login: string) => string;
		/**
		 * What the installation page does from now on: redirect to `setupUrl` with the installation on
		 * `account` (created when new, and then accessible to `installer`; or `installationId` as given,
		 * known or not, which the installer gains no access to) and `setup_action=install`, or with
		 * `setup_action=request` and no installation (a member asking an organization owner to approve).
		 * Either way with a `code` the App's OAuth client exchanges for a token of `installer` (default
		 * `account`), unless `authorize` is false (the App not requesting user authorization).
		 */
		onInstall(options: InstallPageOptions): void;
	};
	addRepository(fullName: string, options?: FakeGithubRepositoryOptions): void;
	/** The bare git repository served for `fullName` (added with a `source`). */
	gitDir(fullName: string): string;
	/**
	 * Makes the next `count` requests (only those to `path`, when given) answer `status` (e.g. 502)
	 * before behaving again.
	 */
	failNext(count: number, status: number, path?: string): void;
	pulls: {
		number: number;
		repo: string;
		head: string;
		base: string;
		title: string;
		body: string;
		htmlUrl: string;
	}[];
	/** Every request received, in order (`auth` is the Authorization header as sent). */
	requests: { method: string; path: string; auth: string }[];
	/** How many installation tokens were minted (POST /app/installations/{id}/access_tokens answered 201). */
	installationTokensMinted(installationId?: string): number;
	close(): Promise<void>;
}

export interface InstallPageOptions {
	setupUrl: string;
	/** The account (user or organization) the App is installed on. */
	account: string;
	/** The GitHub user installing it; defaults to `account`. */
	installer?: string;
	installationId?: string;
	setupAction?: "install" | "request";
	/** Whether GitHub sends a `code` with the installation; default true. */
	authorize?: boolean;
}
