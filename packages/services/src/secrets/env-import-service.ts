import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import * as secretsDb from "./db";
import { classifyImport, type EnvImportChoice, type EnvImportStatus, parseEnvFile } from "./env-import";
import { type SecretKeyring, secretContext } from "./keyring";
import { type SecretScope, scopeColumns } from "./scope";
import { assertScope } from "./service";

export interface EnvImportPreview {
	entries: { key: string; status: EnvImportStatus }[];
	counts: Record<EnvImportStatus, number>;
}

async function currentValues(
	db: ServiceContext["db"],
	params: OrgScope & { scope: string },
	keyring: SecretKeyring,
): Promise<{ values: Map<string, string>; rows: Map<string, secretsDb.SecretRow> }> {
	const rows = await secretsDb.listSecretsInScopes(db, {
		organizationId: params.organizationId,
		scopes: [params.scope],
	});
	return {
		values: new Map(rows.map((row) => [row.key, keyring.open(row, secretContext(row))])),
		rows: new Map(rows.map((row) => [row.key, row])),
	};
}

function countsOf(entries: { status: EnvImportStatus }[]): Record<EnvImportStatus, number> {
	const counts = { new: 0, changed: 0, unchanged: 0 };
	for (const entry of entries) counts[entry.status] += 1;
	return counts;
}

/** Per key of the pasted file: new, changed or unchanged against the scope's current values (compared here, never sent). */
export async function previewEnvImport(
	context: ServiceContext,
	params: OrgScope & { scope: SecretScope; content: string },
	keyring: SecretKeyring,
): Promise<EnvImportPreview> {
	const entries = parseEnvFile(params.content);
	await assertScope(context, params);
	const { values } = await currentValues(
		context.db,
		{ organizationId: params.organizationId, scope: scopeColumns(params.scope).scope },
		keyring,
	);
	const classified = classifyImport(entries, values);
	return { entries: classified, counts: countsOf(classified) };
}

/**
 * Applies a file in one transaction: new keys are created, changed keys overwritten unless the
 * choice for that key is "keep" (the default for changed keys is overwrite), unchanged keys left.
 * The comparison is made again inside the transaction, under the scope's lock.
 */
export async function applyEnvImport(
	context: ServiceContext,
	params: OrgScope & {
		scope: SecretScope;
		content: string;
		choices?: Record<string, EnvImportChoice>;
		userId: string | null;
	},
	keyring: SecretKeyring,
): Promise<{ created: string[]; overwritten: string[]; kept: string[]; unchanged: string[] }> {
	const entries = parseEnvFile(params.content);
	await assertScope(context, params);
	const columns = scopeColumns(params.scope);
	return withTransaction(context.db, async (tx) => {
		await secretsDb.lockScope(tx, { organizationId: params.organizationId, scope: columns.scope });
		const { values, rows } = await currentValues(
			tx,
			{ organizationId: params.organizationId, scope: columns.scope },
			keyring,
		);
		const result = {
			created: [] as string[],
			overwritten: [] as string[],
			kept: [] as string[],
			unchanged: [] as string[],
		};
		for (const { key, value } of entries) {
			const existing = values.get(key);
			const row = rows.get(key);
			if (existing === value) {
				result.unchanged.push(key);
				continue;
			}
			const sealed = keyring.seal(
				value,
				secretContext({ organizationId: params.organizationId, scope: columns.scope, key }),
			);
			if (row) {
				if (params.choices?.[key] === "keep") {
					result.kept.push(key);
					continue;
				}
				await secretsDb.updateSecret(
					tx,
					{ organizationId: params.organizationId, secretId: row.id },
					{
						...sealed,
						updatedBy: params.userId,
					},
				);
				result.overwritten.push(key);
			} else {
				await secretsDb.insertSecret(tx, {
					organizationId: params.organizationId,
					...columns,
					key,
					...sealed,
					createdBy: params.userId,
					updatedBy: params.userId,
				});
				result.created.push(key);
			}
		}
		return result;
	});
}
