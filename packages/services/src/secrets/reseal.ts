import type { ServiceContext } from "../context";
import * as secretsDb from "./db";
import { type SecretKeyring, secretContext } from "./keyring";

export interface ResealProgress {
	resealed: number;
	skipped: number;
	remaining: number;
}

/**
 * Re-seals every stored value not sealed with the current key, `batchSize` rows at a time, each row
 * updated only if nobody changed it meanwhile. Idempotent: a second run finds nothing to do. A
 * row whose key is unavailable fails the run (nothing is lost: the row is left as it was).
 * Unscoped on purpose: an operator's command over every organization.
 */
export async function resealAllSecretsUnscoped(
	context: ServiceContext,
	keyring: SecretKeyring,
	options: { batchSize?: number; onProgress?: (progress: ResealProgress) => void } = {},
): Promise<ResealProgress> {
	const batchSize = options.batchSize ?? 200;
	const total = (await secretsDb.countSecretsByKeyUnscoped(context.db))
		.filter((entry) => entry.keyId !== keyring.currentKeyId)
		.reduce((sum, entry) => sum + entry.count, 0);
	const progress: ResealProgress = { resealed: 0, skipped: 0, remaining: total };
	let afterId: string | null = null;
	for (;;) {
		const rows = await secretsDb.listSecretsToResealUnscoped(context.db, {
			currentKeyId: keyring.currentKeyId,
			afterId,
			limit: batchSize,
		});
		if (rows.length === 0) break;
		for (const row of rows) {
			const plaintext = keyring.open(row, secretContext(row));
			const sealed = keyring.seal(plaintext, secretContext(row));
			const replaced = await secretsDb.replaceSealedValueUnscoped(context.db, {
				secretId: row.id,
				expectedSealedValue: row.sealedValue,
				...sealed,
			});
			if (replaced) progress.resealed += 1;
			else progress.skipped += 1;
			progress.remaining = Math.max(0, progress.remaining - 1);
		}
		afterId = rows[rows.length - 1]?.id ?? null;
		options.onProgress?.({ ...progress });
	}
	return progress;
}

/** How many stored values each key sealed (key id → count). */
export async function countSecretsByKeyUnscoped(
	context: ServiceContext,
): Promise<{ keyId: string; count: number }[]> {
	return secretsDb.countSecretsByKeyUnscoped(context.db);
}
