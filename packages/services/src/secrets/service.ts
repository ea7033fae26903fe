import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { isUuid } from "../ids";
import { getRepo } from "../repos/service";
import * as secretsDb from "./db";
import {
	SecretBundleNotFoundError,
	SecretKeyTakenError,
	SecretNotFoundError,
	SecretValueTooLargeError,
} from "./errors";
import { type SecretKeyring, secretContext } from "./keyring";
import { type SecretSummary, toSecretSummary } from "./mapper";
import { assertSecretKey, SECRET_DESCRIPTION_MAX_LENGTH, SECRET_VALUE_MAX_BYTES } from "./names";
import { type SecretScope, scopeColumns, scopeKey } from "./scope";

/** Throws not found unless the scope's repository or bundle belongs to the organization. */
export async function assertScope(
	context: ServiceContext,
	params: OrgScope & { scope: SecretScope },
): Promise<void> {
	const { scope, organizationId } = params;
	if (scope.kind === "repository") await getRepo(context, { organizationId, repoId: scope.repoId });
	if (scope.kind === "bundle") {
		const found = isUuid(scope.bundleId)
			? await secretsDb.findBundle(context.db, { organizationId, bundleId: scope.bundleId })
			: undefined;
		if (!found) throw new SecretBundleNotFoundError(scope.bundleId);
	}
}

function assertValue(key: string, value: string): void {
	if (Buffer.byteLength(value, "utf8") > SECRET_VALUE_MAX_BYTES)
		throw new SecretValueTooLargeError(key, SECRET_VALUE_MAX_BYTES);
}

function cleanDescription(description: string | undefined): string {
	return (description ?? "").trim().slice(0, SECRET_DESCRIPTION_MAX_LENGTH);
}

async function summaryOf(
	context: ServiceContext,
	params: OrgScope & { secretId: string },
): Promise<SecretSummary> {
	const [row] = (
		await secretsDb.listSecretSummaries(context.db, { organizationId: params.organizationId })
	).filter((summary) => summary.id === params.secretId);
	if (!row) throw new SecretNotFoundError(params.secretId);
	return toSecretSummary(row);
}

/** The organization's secrets (optionally of one scope), without values. */
export async function listSecrets(
	context: ServiceContext,
	params: OrgScope & { scope?: SecretScope },
): Promise<SecretSummary[]> {
	if (params.scope)
		await assertScope(context, { organizationId: params.organizationId, scope: params.scope });
	const rows = await secretsDb.listSecretSummaries(context.db, {
		organizationId: params.organizationId,
		...(params.scope ? { scopes: [scopeKey(params.scope)] } : {}),
	});
	return rows.map(toSecretSummary);
}

export async function createSecret(
	context: ServiceContext,
	params: OrgScope & {
		scope: SecretScope;
		key: string;
		value: string;
		description?: string;
		userId: string | null;
	},
	keyring: SecretKeyring,
): Promise<SecretSummary> {
	assertSecretKey(params.key);
	assertValue(params.key, params.value);
	await assertScope(context, params);
	const columns = scopeColumns(params.scope);
	const sealed = keyring.seal(
		params.value,
		secretContext({ organizationId: params.organizationId, scope: columns.scope, key: params.key }),
	);
	const row = await secretsDb.insertSecret(context.db, {
		organizationId: params.organizationId,
		...columns,
		key: params.key,
		...sealed,
		description: cleanDescription(params.description),
		createdBy: params.userId,
		updatedBy: params.userId,
	});
	if (!row) throw new SecretKeyTakenError(params.key);
	return summaryOf(context, { organizationId: params.organizationId, secretId: row.id });
}

/** Changes a secret's value and/or description (its key and scope are fixed: they seal the value). */
export async function updateSecret(
	context: ServiceContext,
	params: OrgScope & { secretId: string; value?: string; description?: string; userId: string | null },
	keyring: SecretKeyring,
): Promise<SecretSummary> {
	const row = isUuid(params.secretId) ? await secretsDb.findSecret(context.db, params) : undefined;
	if (!row) throw new SecretNotFoundError(params.secretId);
	if (params.value !== undefined) assertValue(row.key, params.value);
	await secretsDb.updateSecret(context.db, params, {
		...(params.value !== undefined ? keyring.seal(params.value, secretContext(row)) : {}),
		...(params.description !== undefined ? { description: cleanDescription(params.description) } : {}),
		updatedBy: params.userId,
	});
	return summaryOf(context, params);
}

export async function deleteSecret(
	context: ServiceContext,
	params: OrgScope & { secretId: string },
): Promise<void> {
	const deleted = isUuid(params.secretId) ? await secretsDb.deleteSecret(context.db, params) : false;
	if (!deleted) throw new SecretNotFoundError(params.secretId);
}

/**
 * Sets several keys in one scope at once, creating or replacing each (values a person typed into a
 * session's request for environment variables, saved for the next sessions). One transaction.
 */
export async function upsertSecrets(
	context: ServiceContext,
	params: OrgScope & {
		scope: SecretScope;
		values: Record<string, string>;
		userId: string | null;
		description?: string;
	},
	keyring: SecretKeyring,
): Promise<{ created: string[]; updated: string[] }> {
	const entries = Object.entries(params.values);
	for (const [key, value] of entries) {
		assertSecretKey(key);
		assertValue(key, value);
	}
	await assertScope(context, params);
	const columns = scopeColumns(params.scope);
	return withTransaction(context.db, async (tx) => {
		await secretsDb.lockScope(tx, { organizationId: params.organizationId, scope: columns.scope });
		const existing = new Map(
			(
				await secretsDb.listSecretsInScopes(tx, {
					organizationId: params.organizationId,
					scopes: [columns.scope],
				})
			).map((row) => [row.key, row]),
		);
		const created: string[] = [];
		const updated: string[] = [];
		for (const [key, value] of entries) {
			const sealed = keyring.seal(
				value,
				secretContext({ organizationId: params.organizationId, scope: columns.scope, key }),
			);
			const row = existing.get(key);
			if (row) {
				await secretsDb.updateSecret(
					tx,
					{ organizationId: params.organizationId, secretId: row.id },
					{
						...sealed,
						updatedBy: params.userId,
					},
				);
				updated.push(key);
			} else {
				await secretsDb.insertSecret(tx, {
					organizationId: params.organizationId,
					...columns,
					key,
					...sealed,
					description: cleanDescription(params.description),
					createdBy: params.userId,
					updatedBy: params.userId,
				});
				created.push(key);
			}
		}
		return { created, updated };
	});
}
