import { DomainError, NotFoundError } from "@proliferate/shared";

export class SessionNotFoundError extends NotFoundError {
	constructor(sessionId: string) {
		super("Session", sessionId);
	}
}

export class InvalidSessionTransitionError extends DomainError {
	constructor(sessionId: string, from: string, to: string) {
		super("conflict", "INVALID_SESSION_TRANSITION", `Session ${sessionId} cannot go from ${from} to ${to}`, {
			sessionId,
			from,
			to,
		});
	}
}

export class UnknownModelError extends DomainError {
	constructor(modelId: string) {
		super("invalid_input", "UNKNOWN_MODEL", `${modelId} is not one of the configured models`, { modelId });
	}
}

export class InvalidBranchError extends DomainError {
	constructor(branch: string) {
		super("invalid_input", "INVALID_BRANCH", `${branch} is not a valid branch name`, { branch });
	}
}
