import { RPCHandler } from "@orpc/server/fetch";
import type { WebContext } from "./context";
import { appRouter } from "./routers/index";

const handler = new RPCHandler(appRouter);

/**
 * Serves `/api/rpc/*`. oRPC's strict-GET rule keeps every procedure POST-only (no mutation through a
 * link). On top of SameSite=Lax cookies, a browser request carrying an Origin other than the web
 * app's own (WEB_URL, or the host it was sent to) is refused, so another site cannot drive the API
 * with the user's cookie.
 */
export async function handleRpcRequest(web: WebContext, request: Request): Promise<Response> {
	const origin = request.headers.get("origin");
	const allowed = new Set([new URL(web.env.WEB_URL).origin, new URL(request.url).origin]);
	if (origin && !allowed.has(origin) && request.headers.has("cookie")) {
		return Response.json({ message: "Cross-origin requests with cookies are not accepted" }, { status: 403 });
	}
	const { matched, response } = await handler.handle(request, {
		prefix: "/api/rpc",
		context: { web, headers: request.headers },
	});
	return matched ? response : Response.json({ message: "No such procedure" }, { status: 404 });
}
