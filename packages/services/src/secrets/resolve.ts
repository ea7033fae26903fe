/** Where a resolved value came from (shown on the repository page; never the value). */
export type SecretSource =
	| { kind: "organization" }
	| { kind: "bundle"; bundleId: string; bundleName: string }
	| { kind: "repository"; repoId: string };

export interface SecretLayer {
	source: SecretSource;
	entries: { key: string; value: string }[];
}

export interface ResolvedSecret {
	key: string;
	value: string;
	source: SecretSource;
	/** The sources this one overrode, earliest first. */
	overrides: SecretSource[];
}

/**
 * Merges layers in order, a later layer's key replacing an earlier one's. The caller passes the
 * organization-wide secrets, then the repository's bundles in attachment order, then the
 * repository's own secrets (secrets-environment.md §6 "Resolution"). Sorted by key.
 */
export function mergeSecretLayers(layers: readonly SecretLayer[]): ResolvedSecret[] {
	const merged = new Map<string, ResolvedSecret>();
	for (const layer of layers) {
		for (const entry of layer.entries) {
			const previous = merged.get(entry.key);
			merged.set(entry.key, {
				key: entry.key,
				value: entry.value,
				source: layer.source,
				overrides: previous ? [...previous.overrides, previous.source] : [],
			});
		}
	}
	return [...merged.values()].sort((left, right) =>
		left.key < right.key ? -1 : left.key > right.key ? 1 : 0,
	);
}

/** The resolved secrets as an environment (key → value). */
export function toEnvironment(resolved: readonly ResolvedSecret[]): Record<string, string> {
	return Object.fromEntries(resolved.map((secret) => [secret.key, secret.value]));
}
