import { DomainError, NotFoundError } from "@proliferate/shared";

export class ConnectionNotFoundError extends NotFoundError {
	constructor(connectionId: string) {
		super("Connection", connectionId);
	}
}

export class GithubNotConnectedError extends DomainError {
	constructor(
		message = "This organization has no GitHub connection: an owner or admin connects one in Settings → Integrations",
	) {
		super("precondition_failed", "GITHUB_NOT_CONNECTED", message);
	}
}

/** GitHub refused the credentials (revoked token, uninstalled app). */
export class GithubAuthError extends DomainError {
	constructor(message: string) {
		super("precondition_failed", "GITHUB_AUTH_FAILED", message);
	}
}

/** GitHub answered with something other than success for a reason we can name. */
export class GithubRequestError extends DomainError {
	readonly status: number;
	constructor(status: number, message: string) {
		super(
			status === 422 ? "invalid_input" : status === 404 ? "not_found" : "unavailable",
			"GITHUB_REQUEST_FAILED",
			message,
			{
				status,
			},
		);
		this.status = status;
	}
}

export class GithubAppNotConfiguredError extends DomainError {
	constructor() {
		super(
			"precondition_failed",
			"GITHUB_APP_NOT_CONFIGURED",
			"GitHub App connections need GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (and GITHUB_APP_SLUG, GITHUB_APP_CLIENT_ID and GITHUB_APP_CLIENT_SECRET to install it from the integrations page)",
		);
	}
}

/** Why a GitHub App installation's `state` is refused (each maps to one message on the integrations page). */
export type GithubAppStateProblem = "invalid" | "expired" | "used" | "wrong_user";

/** The `state` GitHub returned to the App's Setup URL is not one this deployment issued to this user, or it is spent. */
export class GithubAppStateError extends DomainError {
	readonly problem: GithubAppStateProblem;
	constructor(problem: GithubAppStateProblem) {
		const messages: Record<GithubAppStateProblem, string> = {
			invalid: "The GitHub App installation link is not valid",
			expired: "The GitHub App installation link expired",
			used: "The GitHub App installation link was already used",
			wrong_user: "The GitHub App installation was started by another user",
		};
		super("forbidden", "GITHUB_APP_STATE_INVALID", messages[problem], { problem });
		this.problem = problem;
	}
}
