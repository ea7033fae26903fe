import { DomainError } from "@proliferate/shared";

/** The key was used before with another request body. */
export class IdempotencyKeyReusedError extends DomainError {
	constructor(scope: string) {
		super(
			"conflict",
			"IDEMPOTENCY_KEY_REUSED",
			"This Idempotency-Key was already used with a different request body; use a new key for a new request",
			{ scope },
		);
	}
}

/** The first request with this key has not finished yet. */
export class IdempotencyKeyInFlightError extends DomainError {
	constructor(scope: string) {
		super(
			"conflict",
			"IDEMPOTENCY_KEY_IN_FLIGHT",
			"A request with this Idempotency-Key is still in progress; retry shortly to get its result",
			{ scope, retryable: true },
		);
	}
}
