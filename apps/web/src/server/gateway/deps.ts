import type { GatewayAccess } from "@proliferate/gateway-clients/server";
import type { ServiceContext } from "@proliferate/services";

export type { GatewayActor } from "@proliferate/gateway-clients/server";

/** The database (through services) and the gateway (over HTTP): what the gateway-backed procedures need. */
export interface GatewayDeps {
	context: ServiceContext;
	gateway: GatewayAccess;
}
