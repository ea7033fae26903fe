import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { DomainError } from "@proliferate/shared";
import type { GatewayPrincipal } from "@proliferate/shared/auth";
import type { AccessControl, SessionAccess } from "./auth";

/**
 * Routes declare who may call them; the router authenticates once, before the handler runs, and
 * hands it what it granted. The path's `sessionId` group names the session of `session` and
 * `sandbox` routes (decoded); other groups are passed as matched (raw).
 */
interface HttpGrants {
	/** Anyone (health, preview links: the link's token is the credential). */
	public: object;
	/** A valid user or service token. */
	principal: { principal: GatewayPrincipal };
	/** A user or service token of the session's organization (and, if session-scoped, this session). */
	session: SessionAccess;
	/** The session's sandbox token (tool callbacks from inside its sandbox). */
	sandbox: { sessionId: string };
}

export type Access = keyof HttpGrants;

export interface HttpContext {
	request: IncomingMessage;
	response: ServerResponse;
	url: URL;
	params: Record<string, string | undefined>;
}

interface HttpRouteOf<A extends Access> {
	/** Any method when absent. */
	method?: string;
	path: RegExp;
	access: A;
	handle(context: HttpContext & HttpGrants[A]): Promise<void>;
}

export type HttpRoute = { [A in Access]: HttpRouteOf<A> }[Access];

export interface UpgradeContext {
	request: IncomingMessage;
	socket: Duplex;
	head: Buffer;
	url: URL;
	params: Record<string, string | undefined>;
}

/**
 * Upgrades get their session access as a promise, started at the upgrade: a handler that refuses
 * with a WebSocket close code (after its handshake) awaits it there.
 */
interface UpgradeGrants {
	public: object;
	session: { sessionId: string; access: Promise<SessionAccess> };
}

interface UpgradeRouteOf<A extends keyof UpgradeGrants> {
	path: RegExp;
	access: A;
	/** Takes the socket over (answers or destroys it). */
	handle(context: UpgradeContext & UpgradeGrants[A]): void;
}

export type UpgradeRoute = { [A in keyof UpgradeGrants]: UpgradeRouteOf<A> }[keyof UpgradeGrants];

function find<Route extends { method?: string; path: RegExp }>(
	routes: readonly Route[],
	method: string | undefined,
	pathname: string,
): { route: Route; params: Record<string, string | undefined> } | undefined {
	for (const route of routes) {
		if (route.method && route.method !== method) continue;
		const match = route.path.exec(pathname);
		if (match) return { route, params: { ...match.groups } };
	}
	return undefined;
}

function sessionIdOf(params: Record<string, string | undefined>): string {
	return decodeURIComponent(params.sessionId ?? "");
}

/** The HTTP router: finds the route, runs the access check it declares, then its handler. */
export function createHttpRouter(options: {
	routes: readonly HttpRoute[];
	accessControl: AccessControl;
	sendError: (response: ServerResponse, error: unknown) => void;
}) {
	const { routes, accessControl } = options;
	return async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? "/", "http://gateway");
		try {
			const found = find(routes, request.method, url.pathname);
			if (!found)
				throw new DomainError(
					"not_found",
					"ROUTE_NOT_FOUND",
					`No route for ${request.method} ${url.pathname}`,
				);
			const { route, params } = found;
			const context: HttpContext = { request, response, url, params };
			switch (route.access) {
				case "public":
					return await route.handle(context);
				case "principal":
					return await route.handle({ ...context, principal: await accessControl.principal(request, url) });
				case "session":
					return await route.handle({
						...context,
						...(await accessControl.session(request, url, sessionIdOf(params))),
					});
				case "sandbox": {
					const sessionId = sessionIdOf(params);
					accessControl.sandbox(request, sessionId);
					return await route.handle({ ...context, sessionId });
				}
			}
		} catch (error) {
			options.sendError(response, error);
		}
	};
}

/** The upgrade router: returns false when no route takes the upgrade (the caller destroys the socket). */
export function createUpgradeRouter(options: {
	routes: readonly UpgradeRoute[];
	accessControl: AccessControl;
}) {
	const { routes, accessControl } = options;
	return function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
		const url = new URL(request.url ?? "/", "http://gateway");
		const found = find(routes, undefined, url.pathname);
		if (!found) return false;
		const { route, params } = found;
		const context: UpgradeContext = { request, socket, head, url, params };
		if (route.access === "public") {
			route.handle(context);
			return true;
		}
		let sessionId: string;
		try {
			sessionId = sessionIdOf(params);
		} catch {
			return false;
		}
		const access = accessControl.session(request, url, sessionId);
		// Awaited by the handler after its handshake; never an unhandled rejection meanwhile.
		access.catch(() => {});
		route.handle({ ...context, sessionId, access });
		return true;
	};
}
