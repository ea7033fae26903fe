import type { Logger } from "@proliferate/logger";
import { outbox, type ServiceContext } from "@proliferate/services";
import type { JobHandlers } from "../create-worker";

export interface JobDeps {
	services: ServiceContext;
	logger: Logger;
}

/** The jobs this worker runs, by catalog name. */
export function jobHandlers(deps: JobDeps): JobHandlers {
	return {
		"outbox-prune": async (payload) => {
			const deleted = await outbox.pruneDispatched(deps.services, payload.olderThanHours * 3600_000);
			deps.logger.info({ deleted }, "dispatched outbox rows pruned");
			return { deleted };
		},
	};
}
