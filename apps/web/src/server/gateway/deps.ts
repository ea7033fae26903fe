import type { GatewayAccess } from "@proliferate/gateway-clients/server";
import type { ServiceContext } from "@proliferate/services";

/** The database (through services) and the gateway (over HTTP): what the gateway-backed procedures need. */
export interface GatewayDeps {
	context: ServiceContext;
	gateway: GatewayAccess;
}

/** Acting organization and, when a person acts, who (their user token; otherwise a service token). */
export interface GatewayActor {
	organizationId: string;
	userId?: string | null;
}
