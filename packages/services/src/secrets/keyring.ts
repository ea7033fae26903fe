import { createHash } from "node:crypto";
import { SecretBox } from "../integrations/secret-box";
import { SecretKeyUnavailableError } from "./errors";

/** A short public fingerprint of an encryption key: the "key version" stored next to each sealed value. */
export function encryptionKeyId(hexKey: string): string {
	return `k${createHash("sha256").update(`proliferate-secrets:${hexKey.toLowerCase()}`).digest("hex").slice(0, 12)}`;
}

export interface SealedSecret {
	sealedValue: string;
	keyId: string;
}

/**
 * The current encryption key (seals everything new) and the previous ones (still open what they
 * sealed). Keys are told apart by fingerprint, so their order in the configuration does not matter.
 */
export class SecretKeyring {
	readonly currentKeyId: string;
	private readonly boxes = new Map<string, SecretBox>();

	constructor(input: { current: string; previous?: readonly string[] }) {
		this.currentKeyId = encryptionKeyId(input.current);
		this.boxes.set(this.currentKeyId, new SecretBox(input.current));
		for (const key of input.previous ?? []) {
			const id = encryptionKeyId(key);
			if (!this.boxes.has(id)) this.boxes.set(id, new SecretBox(key));
		}
	}

	seal(plaintext: string, context: string): SealedSecret {
		const box = this.boxes.get(this.currentKeyId);
		if (!box) throw new SecretKeyUnavailableError(this.currentKeyId);
		return { sealedValue: box.seal(plaintext, context), keyId: this.currentKeyId };
	}

	open(sealed: SealedSecret, context: string): string {
		const box = this.boxes.get(sealed.keyId);
		if (!box) throw new SecretKeyUnavailableError(sealed.keyId);
		return box.open(sealed.sealedValue, context);
	}
}

/** What a sealed value is bound to: its organization, scope and key (the associated data). */
export function secretContext(row: { organizationId: string; scope: string; key: string }): string {
	return `secret:${row.organizationId}:${row.scope}:${row.key}`;
}
