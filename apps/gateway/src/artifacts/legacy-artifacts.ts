import { existsSync, readFileSync } from "node:fs";
import { resolve, sep } from "node:path";
import type { Logger } from "@proliferate/logger";
import { artifacts, type ServiceContext } from "@proliferate/services";
import type { ObjectStore } from "@proliferate/storage";
import { artifactObjectKey } from "./artifact-keys";

export interface LegacyArtifactMigration {
	/** Copied into the store and pointed at their new key. */
	moved: number;
	/** Rows whose old file is gone (or outside the old directory): left as they are, downloads are 404. */
	missing: number;
}

/**
 * Copies artifacts saved before the object store (files under the gateway's old
 * `<PROLIFERATE_DATA_DIR>/artifacts/<org>/<session>/…`) into the store under their new keys and
 * updates their rows. Idempotent: a moved row's key starts with `orgs/` and is not listed again; two
 * gateways starting at once write the same object and the second row update is a no-op. Old files
 * are left in place (delete the directory once every gateway runs this version).
 */
export async function migrateLegacyArtifacts(deps: {
	services: ServiceContext;
	objectStore: ObjectStore;
	/** The old artifacts directory. */
	legacyDirectory: string;
	logger: Logger;
}): Promise<LegacyArtifactMigration> {
	const root = resolve(deps.legacyDirectory);
	const result: LegacyArtifactMigration = { moved: 0, missing: 0 };
	let afterId: string | undefined;
	for (;;) {
		const page = await artifacts.listLegacyArtifactsUnscoped(deps.services, {
			...(afterId ? { afterId } : {}),
			limit: 100,
		});
		for (const artifact of page) {
			const path = resolve(root, artifact.storageKey);
			if (!path.startsWith(`${root}${sep}`) || !existsSync(path)) {
				result.missing++;
				deps.logger.warn(
					{ artifactId: artifact.id, storageKey: artifact.storageKey },
					"legacy artifact file is missing; left as it is",
				);
				continue;
			}
			const storageKey = artifactObjectKey({ ...artifact, artifactId: artifact.id });
			await deps.objectStore.put(storageKey, readFileSync(path), { contentType: artifact.contentType });
			await artifacts.moveArtifactStorageKey(deps.services, {
				organizationId: artifact.organizationId,
				artifactId: artifact.id,
				fromKey: artifact.storageKey,
				toKey: storageKey,
			});
			result.moved++;
		}
		const last = page.at(-1);
		if (!last || page.length < 100) break;
		afterId = last.id;
	}
	if (result.moved > 0 || result.missing > 0)
		deps.logger.info({ ...result }, "moved legacy artifacts onto the object store");
	return result;
}
