import { DomainError, NotFoundError } from "@proliferate/shared";

export class InvalidVirtualKeyError extends DomainError {
	constructor() {
		super("unauthenticated", "INVALID_API_KEY", "Invalid API key");
	}
}

export class VirtualKeyExpiredError extends DomainError {
	constructor() {
		super("unauthenticated", "API_KEY_EXPIRED", "This API key has expired");
	}
}

export class VirtualKeyRevokedError extends DomainError {
	constructor() {
		super("unauthenticated", "API_KEY_REVOKED", "This API key has been revoked");
	}
}

export class VirtualKeyNotFoundError extends NotFoundError {
	constructor(keyId: string) {
		super("Virtual key", keyId);
	}
}

export class ModelNotAllowedError extends DomainError {
	constructor(model: string) {
		super("forbidden", "MODEL_NOT_ALLOWED", `This API key may not use the model ${model}`, { model });
	}
}

export class KeyBudgetExceededError extends DomainError {
	constructor(budgetUsd: number) {
		super("rate_limited", "KEY_BUDGET_EXCEEDED", `This API key has used its budget of $${budgetUsd}`, {
			budgetUsd,
		});
	}
}

export class OrganizationBudgetExceededError extends DomainError {
	constructor(budgetUsd: number) {
		super(
			"payment_required",
			"ORGANIZATION_BUDGET_EXCEEDED",
			`The organization has used its monthly LLM budget of $${budgetUsd}`,
			{ budgetUsd },
		);
	}
}
