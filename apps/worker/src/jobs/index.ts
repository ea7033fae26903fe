import type { Logger } from "@proliferate/logger";
import { idempotency, outbox, type ServiceContext } from "@proliferate/services";
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
		"idempotency-prune": async () => {
			const deleted = await idempotency.pruneExpiredUnscoped(deps.services);
			deps.logger.info({ deleted }, "expired idempotency keys pruned");
			return { deleted };
		},
	};
}
