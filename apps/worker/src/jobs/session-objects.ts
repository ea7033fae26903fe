import type { Logger } from "@proliferate/logger";
import { type ObjectStore, sessionObjectPrefix } from "@proliferate/storage";

/**
 * `session-objects-delete`: removes every object under a deleted session's prefix, page by page.
 * Idempotent (deleting a missing object is no error; a rerun finds fewer or none), so a worker killed
 * midway leaves the job to run again and finish.
 */
export async function deleteSessionObjects(
	deps: { store: ObjectStore; logger: Logger },
	scope: { organizationId: string; sessionId: string },
): Promise<{ deleted: number }> {
	const prefix = sessionObjectPrefix(scope);
	let deleted = 0;
	for (;;) {
		// Always the first page: what was deleted no longer lists, so no cursor is needed.
		const page = await deps.store.list(prefix, { limit: 500 });
		if (page.objects.length === 0) break;
		for (const object of page.objects) await deps.store.delete(object.key);
		deleted += page.objects.length;
	}
	if (deleted > 0) deps.logger.info({ ...scope, deleted }, "a deleted session's objects removed");
	return { deleted };
}
