import { DomainError, NotFoundError } from "@proliferate/shared";

export class SecretNotFoundError extends NotFoundError {
	constructor(secretId: string) {
		super("Secret", secretId);
	}
}

export class SecretBundleNotFoundError extends NotFoundError {
	constructor(bundleId: string) {
		super("Secret bundle", bundleId);
	}
}

export class InvalidSecretKeyError extends DomainError {
	constructor(key: string, reason: string) {
		super("invalid_input", "INVALID_SECRET_KEY", `${key.slice(0, 100)} ${reason}`, {
			key: key.slice(0, 100),
		});
	}
}

export class SecretKeyTakenError extends DomainError {
	constructor(key: string) {
		super("conflict", "SECRET_KEY_TAKEN", `A secret named ${key} already exists in this scope`, { key });
	}
}

export class SecretBundleNameTakenError extends DomainError {
	constructor(name: string) {
		super("conflict", "SECRET_BUNDLE_NAME_TAKEN", `A bundle named ${name} already exists`, { name });
	}
}

export class SecretValueTooLargeError extends DomainError {
	constructor(key: string, limit: number) {
		super("invalid_input", "SECRET_VALUE_TOO_LARGE", `The value of ${key} is over ${limit} bytes`, {
			key,
			limit,
		});
	}
}

export class EnvImportInvalidError extends DomainError {
	constructor(message: string, details?: Record<string, unknown>) {
		super("invalid_input", "ENV_IMPORT_INVALID", message, details);
	}
}

export class SecretsNotConfiguredError extends DomainError {
	constructor() {
		super(
			"precondition_failed",
			"SECRETS_ENCRYPTION_KEY_MISSING",
			"Secrets need SECRETS_ENCRYPTION_KEY (64 hex characters) in this service's configuration",
		);
	}
}

/** A stored value sealed with a key this process does not have (rotation with the old key dropped too early). */
export class SecretKeyUnavailableError extends DomainError {
	constructor(keyId: string) {
		super(
			"internal",
			"SECRET_KEY_UNAVAILABLE",
			`A stored secret was sealed with key ${keyId}, which is neither SECRETS_ENCRYPTION_KEY nor in SECRETS_ENCRYPTION_KEYS_PREVIOUS`,
			{ keyId },
		);
	}
}
