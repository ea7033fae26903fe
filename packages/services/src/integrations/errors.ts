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
			"GitHub App connections need GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY",
		);
	}
}
