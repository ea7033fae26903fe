import type { Logger } from "@proliferate/logger";
import { type ServiceContext, sessions } from "@proliferate/services";
import type { SandboxProvider, SandboxProviderType } from "@proliferate/shared";

export interface SnapshotCleanupDeps {
	services: ServiceContext;
	providers: { get(type: SandboxProviderType): SandboxProvider };
	/** Providers whose snapshots this worker manages (local only on the gateway's host). */
	types: SandboxProviderType[];
	logger: Logger;
}

export interface SnapshotCleanupCounts {
	/** Snapshots the providers listed. */
	listed: number;
	deleted: number;
	/** Old enough but some session row still references them. */
	keptReferenced: number;
	/** Younger than the retention. */
	keptYoung: number;
	errors: number;
}

/**
 * Deletes snapshots older than `olderThanDays` that no session row references (any status; a
 * deleted session's row is gone and references nothing). Snapshot rows do not exist yet, so the
 * providers' own listings are the inventory. Idempotent: deleting a missing snapshot is no error.
 */
export async function cleanUpSnapshots(
	deps: SnapshotCleanupDeps,
	olderThanDays: number,
): Promise<SnapshotCleanupCounts> {
	const counts: SnapshotCleanupCounts = { listed: 0, deleted: 0, keptReferenced: 0, keptYoung: 0, errors: 0 };
	const cutoff = Date.now() - olderThanDays * 86_400_000;
	for (const type of deps.types) {
		let provider: SandboxProvider;
		try {
			provider = deps.providers.get(type);
		} catch {
			continue;
		}
		if (!provider.listSnapshots || !provider.deleteSnapshot) continue;
		try {
			const listed = await provider.listSnapshots();
			counts.listed += listed.length;
			const old = listed.filter((snapshot) => snapshot.createdAt.getTime() < cutoff);
			counts.keptYoung += listed.length - old.length;
			const referenced = await sessions.referencedSnapshotIdsUnscoped(
				deps.services,
				old.map((snapshot) => snapshot.snapshotId),
			);
			for (const snapshot of old) {
				if (referenced.has(snapshot.snapshotId)) {
					counts.keptReferenced++;
					continue;
				}
				// Asked again right before the delete: a session that took this snapshot meanwhile keeps it.
				const stillFree = await sessions.referencedSnapshotIdsUnscoped(deps.services, [snapshot.snapshotId]);
				if (stillFree.size > 0) {
					counts.keptReferenced++;
					continue;
				}
				await provider.deleteSnapshot(snapshot.snapshotId);
				counts.deleted++;
			}
		} catch (error) {
			counts.errors++;
			deps.logger.warn({ err: error, provider: type }, "snapshot cleanup failed for a provider");
		}
	}
	deps.logger.info({ ...counts, olderThanDays }, "snapshot cleanup done");
	return counts;
}
