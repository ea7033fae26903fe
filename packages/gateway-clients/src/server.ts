import { signServiceToken, signUserToken } from "@proliferate/shared/auth";
import { DomainError, type ErrorKind } from "@proliferate/shared/errors";
import { createGatewayHttpClient, type GatewayHttpClient, GatewayRequestError } from "./http-client";

/**
 * Server-only entry (`@proliferate/gateway-clients/server`): the gateway HTTP client that signs its
 * own short-lived tokens, for the web app's server layer and workers. Never imported by browser code
 * (it holds the signing secrets); the browser uses the package's main entry with a minted token.
 */

/** How a server reaches the gateway (HTTP only; it is never in the streaming path). */
export interface GatewayAccess {
	baseUrl: string;
	/** GATEWAY_JWT_SECRET: calls made for a person carry a short-lived user token. */
	userSecret: string;
	/** SERVICE_TO_SERVICE_SECRET: calls without a person carry a service token (needed only for those). */
	serviceSecret?: string;
	/** The caller's name in its service tokens (default "web"). */
	serviceName?: string;
	fetch?: typeof fetch;
}

/** Acting organization and, when a person acts, who (a user token; otherwise a service token). */
export interface GatewayActor {
	organizationId: string;
	userId?: string | null;
}

export class GatewayUnavailableError extends DomainError {
	constructor(reason: string) {
		super("unavailable", "GATEWAY_UNAVAILABLE", `The session gateway is not reachable: ${reason}`);
	}
}

/** An HTTP client for the gateway acting for `actor` with a 60-second token. */
export function gatewayClient(gateway: GatewayAccess, actor: GatewayActor): GatewayHttpClient {
	return createGatewayHttpClient({
		baseUrl: gateway.baseUrl,
		auth: {
			type: "token",
			token: () => {
				if (actor.userId) {
					return signUserToken(
						{ userId: actor.userId, organizationId: actor.organizationId, ttlSeconds: 60 },
						gateway.userSecret,
					);
				}
				if (!gateway.serviceSecret) throw new GatewayUnavailableError("no service secret is configured");
				return signServiceToken(
					{ service: gateway.serviceName ?? "web", organizationId: actor.organizationId, ttlSeconds: 60 },
					gateway.serviceSecret,
				);
			},
		},
		organizationId: actor.organizationId,
		...(gateway.fetch ? { fetch: gateway.fetch } : {}),
	});
}

const kindByStatus: Record<number, ErrorKind> = {
	400: "invalid_input",
	401: "unauthenticated",
	403: "forbidden",
	404: "not_found",
	409: "conflict",
	412: "precondition_failed",
	429: "rate_limited",
	503: "unavailable",
	504: "timeout",
};

/** Runs one gateway call, turning its failures into domain errors the edges already map. */
export async function callGateway<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof GatewayRequestError) {
			throw new DomainError(
				kindByStatus[error.status] ?? "unavailable",
				error.code,
				error.message,
				error.details,
			);
		}
		if (error instanceof DomainError) throw error;
		throw new GatewayUnavailableError(error instanceof Error ? error.message : String(error));
	}
}
