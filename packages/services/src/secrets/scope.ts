import { InvalidInputError } from "@proliferate/shared";

/** Where a secret applies: the whole organization, one repository, or one bundle. */
export type SecretScope =
	| { kind: "organization" }
	| { kind: "repository"; repoId: string }
	| { kind: "bundle"; bundleId: string };

/** The stored form of a scope ("organization", "repo:<id>", "bundle:<id>"), part of each value's associated data. */
export function scopeKey(scope: SecretScope): string {
	switch (scope.kind) {
		case "organization":
			return "organization";
		case "repository":
			return `repo:${scope.repoId}`;
		case "bundle":
			return `bundle:${scope.bundleId}`;
	}
}

export function scopeFromRow(row: {
	scope: string;
	repoId: string | null;
	bundleId: string | null;
}): SecretScope {
	if (row.repoId) return { kind: "repository", repoId: row.repoId };
	if (row.bundleId) return { kind: "bundle", bundleId: row.bundleId };
	if (row.scope !== "organization") throw new InvalidInputError(`Unknown secret scope ${row.scope}`);
	return { kind: "organization" };
}

export function scopeColumns(scope: SecretScope): {
	scope: string;
	repoId: string | null;
	bundleId: string | null;
} {
	return {
		scope: scopeKey(scope),
		repoId: scope.kind === "repository" ? scope.repoId : null,
		bundleId: scope.kind === "bundle" ? scope.bundleId : null,
	};
}
