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
