import { InvalidInputError } from "@proliferate/shared";
import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { isUuid } from "../ids";
import { getRepo } from "../repos/service";
import * as secretsDb from "./db";
import { SecretBundleNameTakenError, SecretBundleNotFoundError } from "./errors";
import { type SecretBundle, toSecretBundle } from "./mapper";

export const BUNDLE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
export const MAX_BUNDLES_PER_REPO = 20;

function cleanName(name: string): string {
	const trimmed = name.trim();
	if (!BUNDLE_NAME_PATTERN.test(trimmed))
		throw new InvalidInputError("A bundle name is 1 to 64 letters, digits, spaces, '.', '_' or '-'");
	return trimmed;
}

export async function listBundles(context: ServiceContext, params: OrgScope): Promise<SecretBundle[]> {
	const [rows, attachments] = await Promise.all([
		secretsDb.listBundles(context.db, params),
		secretsDb.listAttachments(context.db, params),
	]);
	return rows.map((row) =>
		toSecretBundle(
			row,
			attachments
				.filter((attachment) => attachment.bundleId === row.id)
				.map(({ repoId, position }) => ({ repoId, position })),
		),
	);
}

export async function getBundle(
	context: ServiceContext,
	params: OrgScope & { bundleId: string },
): Promise<SecretBundle> {
	const bundle = (await listBundles(context, params)).find((candidate) => candidate.id === params.bundleId);
	if (!bundle) throw new SecretBundleNotFoundError(params.bundleId);
	return bundle;
}

export async function createBundle(
	context: ServiceContext,
	params: OrgScope & { name: string; description?: string; userId: string | null },
): Promise<SecretBundle> {
	const name = cleanName(params.name);
	const row = await secretsDb.insertBundle(context.db, {
		organizationId: params.organizationId,
		name,
		description: (params.description ?? "").trim().slice(0, 500),
		createdBy: params.userId,
	});
	if (!row) throw new SecretBundleNameTakenError(name);
	return getBundle(context, { organizationId: params.organizationId, bundleId: row.id });
}

export async function updateBundle(
	context: ServiceContext,
	params: OrgScope & { bundleId: string; name?: string; description?: string },
): Promise<SecretBundle> {
	if (!isUuid(params.bundleId)) throw new SecretBundleNotFoundError(params.bundleId);
	const changes = {
		...(params.name !== undefined ? { name: cleanName(params.name) } : {}),
		...(params.description !== undefined ? { description: params.description.trim().slice(0, 500) } : {}),
	};
	try {
		const row = await secretsDb.updateBundle(context.db, params, changes);
		if (!row) throw new SecretBundleNotFoundError(params.bundleId);
	} catch (error) {
		if (changes.name && isUniqueViolation(error)) throw new SecretBundleNameTakenError(changes.name);
		throw error;
	}
	return getBundle(context, params);
}

function isUniqueViolation(error: unknown): boolean {
	const cause = error instanceof Error && "cause" in error ? error.cause : error;
	return typeof cause === "object" && cause !== null && "code" in cause && cause.code === "23505";
}

/** Deletes a bundle with its secrets and attachments. */
export async function deleteBundle(
	context: ServiceContext,
	params: OrgScope & { bundleId: string },
): Promise<void> {
	const deleted = isUuid(params.bundleId) ? await secretsDb.deleteBundle(context.db, params) : false;
	if (!deleted) throw new SecretBundleNotFoundError(params.bundleId);
}

/** The bundles attached to a repository, in attachment order (a later one wins a shared key). */
export async function listRepoBundles(
	context: ServiceContext,
	params: OrgScope & { repoId: string },
): Promise<{ bundleId: string; name: string; position: number }[]> {
	await getRepo(context, params);
	return secretsDb.listRepoBundles(context.db, params);
}

/** Replaces the repository's attached bundles with `bundleIds`, in that order (one transaction). */
export async function setRepoBundles(
	context: ServiceContext,
	params: OrgScope & { repoId: string; bundleIds: string[] },
): Promise<{ bundleId: string; name: string; position: number }[]> {
	await getRepo(context, params);
	if (new Set(params.bundleIds).size !== params.bundleIds.length)
		throw new InvalidInputError("A bundle can be attached to a repository only once");
	if (params.bundleIds.length > MAX_BUNDLES_PER_REPO)
		throw new InvalidInputError(`A repository can have at most ${MAX_BUNDLES_PER_REPO} bundles`);
	const unknown = params.bundleIds.find((bundleId) => !isUuid(bundleId));
	if (unknown) throw new SecretBundleNotFoundError(unknown);
	await withTransaction(context.db, async (tx) => {
		const found = await secretsDb.findBundles(tx, {
			organizationId: params.organizationId,
			bundleIds: params.bundleIds,
		});
		const missing = params.bundleIds.find((bundleId) => !found.some((bundle) => bundle.id === bundleId));
		if (missing) throw new SecretBundleNotFoundError(missing);
		await secretsDb.replaceRepoBundles(tx, params);
	});
	return secretsDb.listRepoBundles(context.db, params);
}
