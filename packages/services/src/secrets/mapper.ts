import type { SecretBundleRow, SecretSummaryRow } from "./db";
import { type SecretScope, scopeFromRow } from "./scope";

/** A secret as every API shows it: never its value, only that it has one. */
export interface SecretSummary {
	id: string;
	key: string;
	scope: SecretScope;
	description: string;
	hasValue: true;
	createdBy: string | null;
	updatedBy: string | null;
	updatedByName: string | null;
	createdAt: string;
	updatedAt: string;
}

export interface SecretBundle {
	id: string;
	name: string;
	description: string;
	secretCount: number;
	/** Repositories it is attached to, with its position among each one's bundles. */
	attachedTo: { repoId: string; position: number }[];
	createdAt: string;
	updatedAt: string;
}

export function toSecretSummary(row: SecretSummaryRow): SecretSummary {
	return {
		id: row.id,
		key: row.key,
		scope: scopeFromRow(row),
		description: row.description,
		hasValue: true,
		createdBy: row.createdBy,
		updatedBy: row.updatedBy,
		updatedByName: row.updatedByName,
		createdAt: row.createdAt.toISOString(),
		updatedAt: row.updatedAt.toISOString(),
	};
}

export function toSecretBundle(
	row: SecretBundleRow & { secretCount: number },
	attachedTo: { repoId: string; position: number }[],
): SecretBundle {
	return {
		id: row.id,
		name: row.name,
		description: row.description,
		secretCount: row.secretCount,
		attachedTo,
		createdAt: row.createdAt.toISOString(),
		updatedAt: row.updatedAt.toISOString(),
	};
}
