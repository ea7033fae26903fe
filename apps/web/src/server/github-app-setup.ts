import { integrations, orgs } from "@proliferate/services";
import { isDomainError } from "@proliferate/shared/errors";
import type { GithubAppSetupError } from "../lib/github-app-setup";
import type { WebContext } from "./context";
import { githubAppAvailability, githubAppOAuth, githubConfig } from "./github";
import { resolveViewer } from "./viewer";

const settingsPath = "/settings/integrations";

function redirectTo(web: WebContext, params: Record<string, string>): Response {
	const url = new URL(settingsPath, web.env.WEB_URL);
	for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
	return Response.redirect(url.toString(), 303);
}

class SetupFailure extends Error {
	constructor(readonly code: GithubAppSetupError) {
		super(code);
	}
}

/** Which page message a refusal from connecting the installation gets. */
function connectFailure(error: unknown): GithubAppSetupError {
	if (!isDomainError(error)) return "unexpected";
	if (error.code === "SECRETS_ENCRYPTION_KEY_MISSING") return "secrets_key_missing";
	if (error.code === "GITHUB_APP_NOT_CONFIGURED") return "app_not_configured";
	if (error.code === "GITHUB_AUTH_FAILED") return "github_refused";
	if (error instanceof integrations.GithubRequestError) {
		if (error.status === 404) return "installation_not_found";
		if (error.status === 422) return "missing_installation";
		return "github_unavailable";
	}
	return "unexpected";
}

/** Which page message a failed proof that the installing user can access the installation gets. */
function authorizationFailure(error: unknown): GithubAppSetupError {
	if (error instanceof integrations.GithubAppUserError) {
		return error.problem === "unavailable" ? "github_unavailable" : "authorization_refused";
	}
	return "unexpected";
}

/**
 * The GitHub App's Setup URL (with "Request user authorization (OAuth) during installation", GitHub
 * sends the admin to the App's callback URL, set to this same route): GitHub sends the admin back here
 * with `installation_id`, `setup_action`, `code` and the `state` from
 * `integrations.startGithubAppInstall`. The state must be valid, unexpired, unspent and the signed-in
 * user's, and they must still be an owner or admin of its organization. The `installation_id` is
 * whatever the browser sent, so the `code` is then exchanged (the App's OAuth client) for the
 * installing GitHub user's token, and the installation must be one that user can access
 * (`GET /user/installations`) — otherwise an admin could connect another account's installation of
 * the same App. The token is used for that check only, never stored or logged. Only then is the
 * installation read with the App's JWT and stored for the state's organization. Every
 * outcome redirects to /settings/integrations (`connected=github&connection=<id>`, or
 * `github_error=<code>`), never an error page, and nothing is stored on a failure.
 */
export async function handleGithubAppSetup(web: WebContext, request: Request): Promise<Response> {
	const query = new URL(request.url).searchParams;
	const log = web.logger.child({ component: "github-app-setup" });
	try {
		if (!githubAppAvailability(web.env).configured) throw new SetupFailure("app_not_configured");
		const viewer = await resolveViewer(web, request.headers).catch(() => null);
		if (viewer?.via !== "session") throw new SetupFailure("signed_out");
		const state = query.get("state") ?? "";
		if (!state) throw new SetupFailure("state_invalid");
		let organizationId: string;
		try {
			({ organizationId } = await integrations.consumeGithubAppState(web.services, {
				state,
				userId: viewer.user.id,
				secret: web.env.AUTH_SECRET,
			}));
		} catch (error) {
			if (error instanceof integrations.GithubAppStateError) {
				throw new SetupFailure(`state_${error.problem}`);
			}
			throw error;
		}
		const membership = await orgs
			.requireMembership(web.services, { organizationId, userId: viewer.user.id })
			.catch(() => null);
		if (!membership || membership.role === "member") throw new SetupFailure("not_admin");
		if (query.get("setup_action") === "request") throw new SetupFailure("request");
		const installationId = query.get("installation_id") ?? "";
		if (!/^\d{1,20}$/.test(installationId)) throw new SetupFailure("missing_installation");
		const authorizationCode = query.get("code") ?? "";
		if (!authorizationCode) throw new SetupFailure("authorization_missing");
		const oauth = githubAppOAuth(web.env);
		if (!oauth) throw new SetupFailure("app_not_configured");
		let accessible: boolean;
		try {
			accessible = await integrations.githubUserCanAccessInstallation(
				{ code: authorizationCode, installationId },
				oauth,
			);
		} catch (error) {
			const failure = authorizationFailure(error);
			// The error carries GitHub's status or error code, never the code or the user token.
			log.warn(
				{ err: error, organizationId, installationId, code: failure },
				"GitHub App installation not connected: the installing user's authorization failed",
			);
			throw new SetupFailure(failure);
		}
		if (!accessible) {
			log.warn(
				{ organizationId, installationId, userId: viewer.user.id },
				"GitHub App installation refused: not one the installing GitHub user can access",
			);
			throw new SetupFailure("installation_not_yours");
		}
		let connection: integrations.Connection;
		try {
			connection = await integrations.connectGithubApp(
				web.services,
				{ organizationId, installationId, createdBy: viewer.user.id },
				githubConfig(web.env),
			);
		} catch (error) {
			const code = connectFailure(error);
			log.warn({ err: error, organizationId, installationId, code }, "GitHub App installation not connected");
			throw new SetupFailure(code);
		}
		log.info(
			{ organizationId, installationId, account: connection.accountLogin },
			"GitHub App installation connected",
		);
		// Back in the organization the installation was started from.
		if (viewer.sessionId && viewer.activeOrganizationId !== organizationId) {
			await orgs.setSessionActiveOrganization(web.services, { sessionId: viewer.sessionId, organizationId });
		}
		return redirectTo(web, { connected: "github", connection: connection.id });
	} catch (error) {
		if (error instanceof SetupFailure) return redirectTo(web, { github_error: error.code });
		log.error({ err: error }, "GitHub App setup failed unexpectedly");
		return redirectTo(web, { github_error: "unexpected" });
	}
}
