import { createORPCClient, onError } from "@orpc/client";
import { RPCLink } from "@orpc/client/fetch";
import type { RouterClient } from "@orpc/server";
import { createTanstackQueryUtils } from "@orpc/tanstack-query";
import type { AppRouter } from "@/server/routers/index";

const link = new RPCLink({
	url: () => {
		if (typeof window === "undefined")
			throw new Error("The oRPC browser client is for client components only");
		return `${window.location.origin}/api/rpc`;
	},
	interceptors: [onError(() => {})],
});

/** Direct oRPC client (for mutations in event handlers): `await client.orgs.create({ name })`. */
export const client: RouterClient<AppRouter> = createORPCClient(link);

/** TanStack Query helpers: `useQuery(orpc.orgs.list.queryOptions())`, `orpc.orgs.create.mutationOptions()`. */
export const orpc = createTanstackQueryUtils(client);
