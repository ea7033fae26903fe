import type { ServiceContext } from "../context";
import * as sessionsDb from "./db";
import { activeStatuses } from "./state";

export type WatchedSession = sessionsDb.WatchedSessionRow;

/** What the session watch asks a gateway to do for an unattended session (see `watchCheckFor`). */
export type WatchCheck = "idle" | "expiry";

export interface WatchSettings {
	/** The deployment's idle timeout (a session's own `idleTimeoutSeconds` wins). */
	idleTimeoutMs: number;
	/** A `starting` session left this long without a gateway is adopted (its boot died with its gateway). */
	stalledBootMs: number;
}

/**
 * How long before its sandbox's end a session is paused when no gateway serves it: a quarter of
 * the sandbox's lifetime, at most five minutes (the gateway migrates live sessions on the same
 * schedule).
 */
export function expiryMarginMs(
	session: Pick<WatchedSession, "sandboxCreatedAt" | "sandboxExpiresAt">,
): number {
	if (!session.sandboxExpiresAt) return 0;
	const created = session.sandboxCreatedAt?.getTime() ?? session.sandboxExpiresAt.getTime() - 3600_000;
	const lifetime = session.sandboxExpiresAt.getTime() - created;
	return Math.min(5 * 60_000, Math.max(1000, lifetime / 4));
}

/**
 * For an active session that no gateway serves (nobody holds its lease): `expiry` when its sandbox
 * is within the expiry margin of its end (or past it), `idle` when nothing happened for the idle
 * timeout or its boot stalled, else nothing yet. Pure; the caller checks the lease.
 */
export function watchCheckFor(
	session: WatchedSession,
	now: number,
	settings: WatchSettings,
): WatchCheck | null {
	if (session.sandboxExpiresAt && session.sandboxExpiresAt.getTime() - now <= expiryMarginMs(session))
		return "expiry";
	const idleMs = session.idleTimeoutSeconds ? session.idleTimeoutSeconds * 1000 : settings.idleTimeoutMs;
	if (now - session.lastActivityAt.getTime() >= idleMs) return "idle";
	if (session.status === "starting" && now - session.updatedAt.getTime() >= settings.stalledBootMs)
		return "idle";
	return null;
}

/** Unscoped on purpose (the session watch): one page of active sessions in id order. */
export function listActiveSessionsUnscoped(
	context: ServiceContext,
	params: { afterId?: string; limit: number },
): Promise<WatchedSession[]> {
	return sessionsDb.listActiveSessionsUnscoped(context.db, { ...params, statuses: activeStatuses });
}

/** One session as the watch sees it, or null once it is no longer active. */
export async function getWatchedSession(
	context: ServiceContext,
	params: { organizationId: string; sessionId: string },
): Promise<WatchedSession | null> {
	const [row] = await sessionsDb.listActiveSessionsUnscoped(context.db, {
		statuses: activeStatuses,
		sessionId: params.sessionId,
		limit: 1,
	});
	return row && row.organizationId === params.organizationId ? row : null;
}
