/**
 * `make secrets-reseal`: re-seals every stored secret with SECRETS_ENCRYPTION_KEY after a key
 * rotation (the old key in SECRETS_ENCRYPTION_KEYS_PREVIOUS until this has run). In batches,
 * idempotent: run it again and it finds nothing to do. See docs/specs/secrets-environment.md §6.
 */
import { loadEnvironmentOrExit, secretsResealEnvSchema } from "@proliferate/environment";
import { createDb, secrets } from "@proliferate/services";

const env = loadEnvironmentOrExit(secretsResealEnvSchema, "secrets-reseal");
const batchSize = Number(process.argv.find((arg) => arg.startsWith("--batch="))?.slice(8) ?? 200);
const keyring = new secrets.SecretKeyring({
	current: env.SECRETS_ENCRYPTION_KEY,
	previous: env.SECRETS_ENCRYPTION_KEYS_PREVIOUS,
});
const database = createDb(env.DATABASE_URL, { max: 2 });
const out = (line: string) => process.stdout.write(`${line}\n`);
try {
	const context = { db: database.db };
	const before = await secrets.countSecretsByKeyUnscoped(context);
	out(
		`current key ${keyring.currentKeyId}; stored values by key: ${before.map((entry) => `${entry.keyId}=${entry.count}`).join(", ") || "none"}`,
	);
	const result = await secrets.resealAllSecretsUnscoped(context, keyring, {
		batchSize: Number.isInteger(batchSize) && batchSize > 0 ? batchSize : 200,
		onProgress: (progress) =>
			out(
				`  re-sealed ${progress.resealed}, skipped ${progress.skipped} (changed meanwhile), ${progress.remaining} left`,
			),
	});
	out(
		`done: ${result.resealed} re-sealed, ${result.skipped} skipped; every value is now sealed with ${keyring.currentKeyId}`,
	);
} catch (error) {
	process.stderr.write(`✗ ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
} finally {
	await database.close();
}
