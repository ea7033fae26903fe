import type { OrgScope, ServiceContext } from "../context";
import { getRepo } from "../repos/service";
import * as secretsDb from "./db";
import { type SecretKeyring, secretContext } from "./keyring";
import { isReservedSecretKey } from "./names";
import { mergeSecretLayers, type ResolvedSecret, type SecretLayer, type SecretSource } from "./resolve";
import { scopeKey } from "./scope";

interface LayerPlan {
	source: SecretSource;
	scope: string;
}

/** The layers that apply to a session on `repoId` (or none), lowest precedence first. */
async function layerPlan(
	context: ServiceContext,
	params: OrgScope & { repoId: string | null },
): Promise<LayerPlan[]> {
	const plan: LayerPlan[] = [{ source: { kind: "organization" }, scope: scopeKey({ kind: "organization" }) }];
	if (!params.repoId) return plan;
	const bundles = await secretsDb.listRepoBundles(context.db, {
		organizationId: params.organizationId,
		repoId: params.repoId,
	});
	for (const bundle of bundles) {
		plan.push({
			source: { kind: "bundle", bundleId: bundle.bundleId, bundleName: bundle.name },
			scope: scopeKey({ kind: "bundle", bundleId: bundle.bundleId }),
		});
	}
	plan.push({
		source: { kind: "repository", repoId: params.repoId },
		scope: scopeKey({ kind: "repository", repoId: params.repoId }),
	});
	return plan;
}

async function layers(
	context: ServiceContext,
	params: OrgScope & { repoId: string | null },
	readValue: (row: secretsDb.SecretRow) => string,
): Promise<SecretLayer[]> {
	const plan = await layerPlan(context, params);
	const rows = await secretsDb.listSecretsInScopes(context.db, {
		organizationId: params.organizationId,
		scopes: plan.map((layer) => layer.scope),
	});
	return plan.map((layer) => ({
		source: layer.source,
		entries: rows
			.filter((row) => row.scope === layer.scope && !isReservedSecretKey(row.key))
			.map((row) => ({ key: row.key, value: readValue(row) })),
	}));
}

/**
 * What a session's sandbox gets, decrypted: organization-wide secrets, then the repository's
 * bundles in attachment order, then the repository's own secrets (each later one wins a key).
 * Unscoped by user: the caller is the gateway acting for the session's organization.
 */
export async function resolveSessionSecrets(
	context: ServiceContext,
	params: OrgScope & { repoId: string | null },
	keyring: SecretKeyring,
): Promise<ResolvedSecret[]> {
	if (params.repoId) await getRepo(context, { organizationId: params.organizationId, repoId: params.repoId });
	return mergeSecretLayers(await layers(context, params, (row) => keyring.open(row, secretContext(row))));
}

/** What resolves for a repository: keys and where each comes from, never a value (nothing is decrypted). */
export async function describeRepoResolution(
	context: ServiceContext,
	params: OrgScope & { repoId: string },
): Promise<{ key: string; source: SecretSource; overrides: SecretSource[] }[]> {
	await getRepo(context, params);
	return mergeSecretLayers(await layers(context, params, () => "")).map(({ key, source, overrides }) => ({
		key,
		source,
		overrides,
	}));
}
