import type { Logger } from "@proliferate/logger";
import { idempotency, outbox, type ServiceContext } from "@proliferate/services";
import type { JobHandlers } from "../create-worker";
import { type SandboxJobsDeps, sandboxJobHandlers } from "./sandbox-jobs";

export interface JobDeps {
	services: ServiceContext;
	logger: Logger;
	/** Sandbox sweeper, snapshot retention, remote warm-pool refill (absent: those queues are not consumed). */
	sandbox?: SandboxJobsDeps;
}

/** The jobs this worker runs, by catalog name. */
export function jobHandlers(deps: JobDeps): JobHandlers {
	return {
		...(deps.sandbox
			? sandboxJobHandlers({ ...deps.sandbox, services: deps.services, logger: deps.logger })
			: {}),
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
