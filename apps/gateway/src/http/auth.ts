import type { IncomingMessage } from "node:http";
import { type ServiceContext, sessions } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import {
	type GatewayPrincipal,
	InvalidTokenError,
	verifyGatewayToken,
	verifySandboxToken,
} from "@proliferate/shared/auth";

export interface AuthSecrets {
	userSecret: string;
	serviceSecret: string;
}

export class ForbiddenSessionError extends DomainError {
	constructor() {
		super("forbidden", "TOKEN_NOT_FOR_SESSION", "This token is scoped to another session");
	}
}

export class InvalidSandboxTokenError extends DomainError {
	constructor() {
		super("unauthenticated", "INVALID_SANDBOX_TOKEN", "Tool callbacks need this session's sandbox token");
	}
}

/** What a user or service token may act on for one session: the session is in its organization. */
export interface SessionAccess {
	principal: GatewayPrincipal;
	organizationId: string;
	sessionId: string;
	session: Awaited<ReturnType<typeof sessions.getSession>>;
}

/** The bearer token from the Authorization header, or `?token=` (browsers cannot set WebSocket headers). */
export function extractToken(request: IncomingMessage, url: URL): string {
	const header = request.headers.authorization;
	if (header?.startsWith("Bearer ")) return header.slice(7).trim();
	const fromQuery = url.searchParams.get("token");
	if (fromQuery) return fromQuery;
	throw new InvalidTokenError("missing (send Authorization: Bearer <token>)");
}

/** The organization a principal acts for (service tokens name it in the token or `x-organization-id`). */
export function organizationOf(principal: GatewayPrincipal, request: IncomingMessage): string {
	if (principal.kind === "user") return principal.organizationId;
	const organizationId = principal.organizationId ?? request.headers["x-organization-id"];
	if (typeof organizationId !== "string" || !organizationId) {
		throw new DomainError(
			"invalid_input",
			"ORGANIZATION_REQUIRED",
			"Service calls must name the organization (x-organization-id)",
		);
	}
	return organizationId;
}

/**
 * The one place the gateway authenticates a request or a WebSocket upgrade (the routers call it
 * for every route that is not public, before its handler runs; see `http/routing.ts`).
 */
export function createAccessControl(deps: { services: ServiceContext; secrets: AuthSecrets }) {
	const authenticate = (request: IncomingMessage, url: URL): Promise<GatewayPrincipal> =>
		verifyGatewayToken(extractToken(request, url), deps.secrets);

	return {
		/** A valid user or service token. */
		principal: authenticate,
		/**
		 * A valid user or service token whose organization has the session (another organization's
		 * session is not found) and, for a session-scoped token, that session.
		 */
		async session(request: IncomingMessage, url: URL, sessionId: string): Promise<SessionAccess> {
			const principal = await authenticate(request, url);
			const organizationId = organizationOf(principal, request);
			if (principal.kind === "user" && principal.sessionId && principal.sessionId !== sessionId)
				throw new ForbiddenSessionError();
			const session = await sessions.getSession(deps.services, { organizationId, sessionId });
			return { principal, organizationId, sessionId, session };
		},
		/** The session's sandbox token (an HMAC of the session id), in the Authorization header only. */
		sandbox(request: IncomingMessage, sessionId: string): void {
			const header = request.headers.authorization ?? "";
			const token = header.startsWith("Bearer ") ? header.slice(7) : "";
			if (!token || !verifySandboxToken(token, sessionId, deps.secrets.serviceSecret))
				throw new InvalidSandboxTokenError();
		},
	};
}

export type AccessControl = ReturnType<typeof createAccessControl>;
