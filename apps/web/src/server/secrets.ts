import { secrets } from "@proliferate/services";
import { DomainError } from "@proliferate/shared/errors";
import type { WebEnv } from "./env";

/** The keys that seal organization secrets; without SECRETS_ENCRYPTION_KEY secrets are refused clearly. */
export function secretKeyring(env: WebEnv): secrets.SecretKeyring {
	if (!env.SECRETS_ENCRYPTION_KEY) throw new secrets.SecretsNotConfiguredError();
	return new secrets.SecretKeyring({
		current: env.SECRETS_ENCRYPTION_KEY,
		previous: env.SECRETS_ENCRYPTION_KEYS_PREVIOUS,
	});
}

/** Secrets are changed by owners and admins only; members see keys, never values. */
export function requireSecretsManager(role: "owner" | "admin" | "member"): void {
	if (role === "member")
		throw new DomainError("forbidden", "ADMIN_REQUIRED", "Only owners and admins change secrets");
}
