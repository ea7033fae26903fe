import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DomainError } from "@proliferate/shared";

/**
 * Seals small secrets (tokens) at rest with AES-256-GCM. The sealed form is
 * `v1.<iv>.<tag>.<ciphertext>` in base64url; the key is SECRETS_ENCRYPTION_KEY (64 hex characters).
 */
export class SecretBox {
	private readonly key: Buffer;

	constructor(hexKey: string) {
		if (!/^[0-9a-fA-F]{64}$/.test(hexKey)) {
			throw new DomainError(
				"internal",
				"BAD_ENCRYPTION_KEY",
				"The secrets encryption key must be 64 hex characters",
			);
		}
		this.key = Buffer.from(hexKey, "hex");
	}

	seal(plaintext: string, context: string): string {
		const iv = randomBytes(12);
		const cipher = createCipheriv("aes-256-gcm", this.key, iv);
		cipher.setAAD(Buffer.from(context));
		const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
		return ["v1", iv, cipher.getAuthTag(), body]
			.map((part) => (typeof part === "string" ? part : part.toString("base64url")))
			.join(".");
	}

	/** Opens a sealed value; `context` must match the one it was sealed with (binds it to its row). */
	open(sealed: string, context: string): string {
		const [version, iv, tag, body] = sealed.split(".");
		if (version !== "v1" || !iv || !tag || body === undefined) {
			throw new DomainError("internal", "SEALED_SECRET_MALFORMED", "A stored secret is malformed");
		}
		try {
			const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
			decipher.setAAD(Buffer.from(context));
			decipher.setAuthTag(Buffer.from(tag, "base64url"));
			return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
				"utf8",
			);
		} catch {
			throw new DomainError(
				"internal",
				"SEALED_SECRET_UNREADABLE",
				"A stored secret cannot be decrypted (was SECRETS_ENCRYPTION_KEY changed?)",
			);
		}
	}
}
