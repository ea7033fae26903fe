import { createHmac, timingSafeEqual } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { DomainError } from "../errors";

/**
 * Tokens the gateway accepts. User tokens are minted by the web app (short-lived, scoped to one
 * organization and optionally one session) so the gateway never calls back per message. Service
 * tokens identify platform services. Sandbox tokens are derived (HMAC), never stored.
 */
export type GatewayPrincipal =
	| { kind: "user"; userId: string; organizationId: string; sessionId: string | null }
	| { kind: "service"; service: string; organizationId: string | null };

export class InvalidTokenError extends DomainError {
	constructor(reason: string) {
		super("unauthenticated", "INVALID_TOKEN", `Invalid token: ${reason}`);
	}
}

export class TokenExpiredError extends DomainError {
	constructor() {
		super("unauthenticated", "TOKEN_EXPIRED", "The token has expired; request a new one");
	}
}

const issuer = "proliferate";
const audience = "proliferate-gateway";
const key = (secret: string) => new TextEncoder().encode(secret);

export async function signUserToken(
	claims: { userId: string; organizationId: string; sessionId?: string | null; ttlSeconds?: number },
	secret: string,
): Promise<string> {
	return new SignJWT({ typ: "user", org: claims.organizationId, sid: claims.sessionId ?? null })
		.setProtectedHeader({ alg: "HS256" })
		.setSubject(claims.userId)
		.setIssuer(issuer)
		.setAudience(audience)
		.setIssuedAt()
		.setExpirationTime(`${claims.ttlSeconds ?? 900}s`)
		.sign(key(secret));
}

export async function signServiceToken(
	claims: { service: string; organizationId?: string | null; ttlSeconds?: number },
	secret: string,
): Promise<string> {
	return new SignJWT({ typ: "service", org: claims.organizationId ?? null })
		.setProtectedHeader({ alg: "HS256" })
		.setSubject(claims.service)
		.setIssuer(issuer)
		.setAudience(audience)
		.setIssuedAt()
		.setExpirationTime(`${claims.ttlSeconds ?? 300}s`)
		.sign(key(secret));
}

/** Verifies a user token (userSecret) or a service token (serviceSecret). */
export async function verifyGatewayToken(
	token: string,
	secrets: { userSecret: string; serviceSecret: string },
): Promise<GatewayPrincipal> {
	if (token?.split(".").length !== 3) throw new InvalidTokenError("malformed");
	let lastError: unknown;
	for (const [secret, expected] of [
		[secrets.userSecret, "user"],
		[secrets.serviceSecret, "service"],
	] as const) {
		try {
			const { payload } = await jwtVerify(token, key(secret), { issuer, audience, algorithms: ["HS256"] });
			if (payload.typ !== expected || typeof payload.sub !== "string")
				throw new InvalidTokenError("wrong type");
			if (expected === "user") {
				if (typeof payload.org !== "string") throw new InvalidTokenError("missing organization");
				return {
					kind: "user",
					userId: payload.sub,
					organizationId: payload.org,
					sessionId: typeof payload.sid === "string" ? payload.sid : null,
				};
			}
			return {
				kind: "service",
				service: payload.sub,
				organizationId: typeof payload.org === "string" ? payload.org : null,
			};
		} catch (error) {
			if (error instanceof joseErrors.JWTExpired) throw new TokenExpiredError();
			lastError = error;
		}
	}
	if (lastError instanceof InvalidTokenError) throw lastError;
	throw new InvalidTokenError("signature or claims do not verify");
}

/** The token a sandbox uses for tool callbacks: HMAC of the session id, never stored. */
export function deriveSandboxToken(sessionId: string, secret: string): string {
	return createHmac("sha256", secret).update(`sandbox:${sessionId}`).digest("base64url");
}

export function verifySandboxToken(token: string, sessionId: string, secret: string): boolean {
	const expected = Buffer.from(deriveSandboxToken(sessionId, secret));
	const given = Buffer.from(token);
	return given.length === expected.length && timingSafeEqual(given, expected);
}
