import { DomainError } from "@proliferate/shared";

export class InvalidApiKeyError extends DomainError {
	constructor() {
		super("unauthenticated", "INVALID_API_KEY", "The API key is not valid or was revoked");
	}
}

export class ApiKeyNotFoundError extends DomainError {
	constructor(apiKeyId: string) {
		super("not_found", "API_KEY_NOT_FOUND", `API key ${apiKeyId} was not found`, { apiKeyId });
	}
}
