import type { Logger } from "@proliferate/logger";
import { type JobName, jobNames } from "@proliferate/queue";
import { idempotency, outbox, type ServiceContext } from "@proliferate/services";
import type { ObjectStore } from "@proliferate/storage";
import type { JobHandlers } from "../create-worker";
import { type SandboxJobsDeps, sandboxJobHandlers } from "./sandbox-jobs";
import { deleteSessionObjects } from "./session-objects";
import { type SessionWatchDeps, superviseSession, watchSessions } from "./session-watch";

export interface JobDeps {
	services: ServiceContext;
	logger: Logger;
	/** Sandbox sweeper, snapshot retention, remote warm-pool refill (absent: those queues are not consumed). */
	sandbox?: SandboxJobsDeps;
	/** Where artifacts and run outputs live (a deleted session's are removed from it). */
	objects: ObjectStore;
	/** Without it (no gateway configured) the session watch does not run. */
	sessionWatch?: SessionWatchDeps;
}

/** The jobs this worker runs, by catalog name. */
export function jobHandlers(deps: JobDeps): JobHandlers {
	const watch = deps.sessionWatch;
	return {
		...(deps.sandbox
			? sandboxJobHandlers({ ...deps.sandbox, services: deps.services, logger: deps.logger })
			: {}),
		...(watch
			? {
					"session-watch": () => watchSessions(watch),
					"session-idle-check": (payload) => superviseSession(watch, payload),
					"session-expiry": (payload) => superviseSession(watch, payload),
				}
			: {}),
		"session-objects-delete": (payload) =>
			deleteSessionObjects({ store: deps.objects, logger: deps.logger }, payload),
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

/** The handlers of `queues` only (all of them when the list is empty); unknown names are refused. */
export function onlyQueues(queues: string[], handlers: JobHandlers): JobHandlers {
	if (queues.length === 0) return handlers;
	const unknown = queues.filter((name) => !jobNames.includes(name as JobName));
	if (unknown.length > 0) throw new Error(`WORKER_QUEUES names unknown queues: ${unknown.join(", ")}`);
	return Object.fromEntries(
		Object.entries(handlers).filter(([name]) => queues.includes(name)),
	) as JobHandlers;
}
