/**
 * Why an installation of the GitHub App did not connect: the code the Setup URL route redirects back
 * to /settings/integrations with (`?github_error=<code>`), and what the page says for it. Codes, not
 * messages, travel in the URL so nobody can make the page show text of their choosing.
 */
export const githubAppSetupErrors = {
	app_not_configured:
		"This deployment has no GitHub App configured (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_SLUG, GITHUB_APP_CLIENT_ID and GITHUB_APP_CLIENT_SECRET), so nothing was connected.",
	secrets_key_missing:
		"The web app has no SECRETS_ENCRYPTION_KEY, so GitHub connections cannot be stored. Nothing was connected.",
	signed_out:
		"Sign in as the owner or admin who started the installation, then install the GitHub App again.",
	state_invalid:
		"The installation did not come back with a valid link from this page, so nothing was connected. Install the GitHub App again from here.",
	state_expired:
		"The installation took longer than 10 minutes, so its link expired and nothing was connected. Install the GitHub App again.",
	state_used:
		"This installation link was already used. Install the GitHub App again to connect another account.",
	state_wrong_user:
		"The installation was started by another user, so nothing was connected. Install the GitHub App yourself from here.",
	not_admin: "Only owners and admins of the organization can connect GitHub, so nothing was connected.",
	request:
		"GitHub sent your installation request to an owner of the GitHub organization for approval. Once they approve it, install the GitHub App again from here to connect it.",
	missing_installation:
		"GitHub came back without an installation, so nothing was connected. Install the GitHub App again.",
	authorization_missing:
		"GitHub came back without the installing user's authorization, so nothing was connected. An operator must enable \"Request user authorization (OAuth) during installation\" on the GitHub App (and set its callback URL to this deployment's setup URL).",
	authorization_refused:
		"GitHub did not accept the authorization that came back with the installation (it may have expired or been used already), so nothing was connected. Install the GitHub App again; if this keeps happening, an operator should check GITHUB_APP_CLIENT_ID and GITHUB_APP_CLIENT_SECRET.",
	installation_not_yours:
		"That installation is not one your GitHub account can access, so nothing was connected. Install the GitHub App again from here on an account you manage.",
	installation_not_found:
		"GitHub does not know this installation of the App (it may have been removed), so nothing was connected. Install the GitHub App again.",
	github_refused:
		"GitHub refused the App's credentials while checking the installation; an operator should check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY. Nothing was connected.",
	github_unavailable:
		"GitHub could not be reached to check the installation, so nothing was connected. Try again in a moment.",
	unexpected: "Something went wrong while connecting the installation; nothing was connected. Try again.",
} as const;

export type GithubAppSetupError = keyof typeof githubAppSetupErrors;

export function isGithubAppSetupError(code: string | undefined): code is GithubAppSetupError {
	return code !== undefined && Object.hasOwn(githubAppSetupErrors, code);
}

/** Where GitHub sends an admin back after installing the App (the App's Setup URL on GitHub). */
export const githubAppSetupPath = "/api/integrations/github/setup";
