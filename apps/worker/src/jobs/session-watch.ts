import { callGateway, type GatewayAccess, gatewayClient } from "@proliferate/gateway-clients/server";
import type { Logger } from "@proliferate/logger";
import { outbox, type ServiceContext, sessions } from "@proliferate/services";
import { DomainError, sessionOwnerLeaseKey } from "@proliferate/shared";
import type { Redis } from "ioredis";

/**
 * The durable half of session idle and expiry handling. A gateway pauses its own idle sessions and
 * migrates them before their sandbox ends (in-process timers); those timers die with it. The watch
 * finds active sessions no gateway serves (nobody holds their ownership lease) and, once one is
 * idle past its timeout, stalled in `starting`, or close to its sandbox's end, records a
 * `session-idle-check` / `session-expiry` job for it. That job checks again and asks a gateway to
 * `supervise` the session: adopt it (a turn was running, or its boot died) or pause it.
 */
export interface SessionWatchDeps {
	services: ServiceContext;
	/** The Redis the gateways keep their leases in, and their key prefix. */
	redis: Redis;
	redisPrefix: string;
	gateway: GatewayAccess;
	settings: sessions.WatchSettings;
	logger: Logger;
	now?: () => number;
}

const pageSize = 500;

async function leasesHeld(deps: SessionWatchDeps, ids: string[]): Promise<boolean[]> {
	if (ids.length === 0) return [];
	const values = await deps.redis.mget(ids.map((id) => sessionOwnerLeaseKey(deps.redisPrefix, id)));
	return values.map((value) => value !== null);
}

/** One pass over every active session; returns how many were unattended and how many got a job. */
export async function watchSessions(
	deps: SessionWatchDeps,
): Promise<{ active: number; unattended: number; queued: number }> {
	const now = deps.now?.() ?? Date.now();
	let afterId: string | undefined;
	const counts = { active: 0, unattended: 0, queued: 0 };
	for (;;) {
		const page = await sessions.listActiveSessionsUnscoped(deps.services, {
			limit: pageSize,
			...(afterId ? { afterId } : {}),
		});
		if (page.length === 0) break;
		afterId = page.at(-1)?.id;
		counts.active += page.length;
		const held = await leasesHeld(
			deps,
			page.map((session) => session.id),
		);
		for (const [index, session] of page.entries()) {
			if (held[index]) continue;
			counts.unattended += 1;
			const check = sessions.watchCheckFor(session, now, deps.settings);
			if (!check) continue;
			const scope = { sessionId: session.id, organizationId: session.organizationId };
			// One job per session, check and activity: a watch pass that runs again adds nothing.
			const dedupeKey = `session-watch:${session.id}:${check}:${session.lastActivityAt.getTime()}`;
			const created =
				check === "expiry"
					? await outbox.enqueue(deps.services, {
							kind: "session-expiry",
							organizationId: session.organizationId,
							dedupeKey,
							payload: { ...scope, expiresAt: (session.sandboxExpiresAt ?? new Date(now)).toISOString() },
						})
					: await outbox.enqueue(deps.services, {
							kind: "session-idle-check",
							organizationId: session.organizationId,
							dedupeKey,
							payload: scope,
						});
			if (created.created) counts.queued += 1;
		}
		if (page.length < pageSize) break;
	}
	if (counts.queued > 0) deps.logger.info(counts, "unattended sessions handed to a gateway");
	return counts;
}

/**
 * A `session-idle-check` or `session-expiry` job: the session is looked at again (it may be served,
 * paused or active again by now) and, if it still needs it, a gateway supervises it. Repeats are
 * harmless: a served, paused or stopped session is left alone.
 */
export async function superviseSession(
	deps: SessionWatchDeps,
	scope: { sessionId: string; organizationId: string },
): Promise<{ action: string; check?: string; reason?: string }> {
	const session = await sessions.getWatchedSession(deps.services, scope);
	if (!session) return { action: "none", reason: "not active" };
	const [held] = await leasesHeld(deps, [session.id]);
	if (held) return { action: "none", reason: "served by a gateway" };
	const check = sessions.watchCheckFor(session, deps.now?.() ?? Date.now(), deps.settings);
	if (!check) return { action: "none", reason: "active again" };
	const client = gatewayClient(deps.gateway, { organizationId: scope.organizationId });
	try {
		const outcome = await callGateway(() => client.supervise(scope.sessionId, check));
		deps.logger.info({ ...scope, check, ...outcome }, "a gateway supervised an unattended session");
		return { check, ...outcome };
	} catch (error) {
		// Another gateway took the session meanwhile: it serves it now.
		if (error instanceof DomainError && error.code === "WRONG_INSTANCE")
			return { action: "none", reason: "served by a gateway" };
		throw error;
	}
}
