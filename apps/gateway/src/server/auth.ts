import type { IncomingMessage } from "node:http";
import { type ServiceContext, sessions } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import { type GatewayPrincipal, InvalidTokenError, verifyGatewayToken } from "@proliferate/shared/auth";

export interface AuthSecrets {
	userSecret: string;
	serviceSecret: string;
}

export class ForbiddenSessionError extends DomainError {
	constructor() {
		super("forbidden", "TOKEN_NOT_FOR_SESSION", "This token is scoped to another session");
	}
}

/** The bearer token from the Authorization header, or `?token=` (browsers cannot set WebSocket headers). */
export function extractToken(request: IncomingMessage, url: URL): string {
	const header = request.headers.authorization;
	if (header?.startsWith("Bearer ")) return header.slice(7).trim();
	const fromQuery = url.searchParams.get("token");
	if (fromQuery) return fromQuery;
	throw new InvalidTokenError("missing (send Authorization: Bearer <token>)");
}

export async function authenticate(
	request: IncomingMessage,
	url: URL,
	secrets: AuthSecrets,
): Promise<GatewayPrincipal> {
	return verifyGatewayToken(extractToken(request, url), secrets);
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

/** Checks the session exists in the principal's organization (and matches a session-scoped token). */
export async function authorizeSession(
	services: ServiceContext,
	principal: GatewayPrincipal,
	organizationId: string,
	sessionId: string,
) {
	if (principal.kind === "user" && principal.sessionId && principal.sessionId !== sessionId)
		throw new ForbiddenSessionError();
	return sessions.getSession(services, { organizationId, sessionId });
}
