import { RPCHandler } from "@orpc/server/fetch";
import { getWebContext } from "@/server/context";
import { appRouter } from "@/server/routers/index";

export const dynamic = "force-dynamic";

const handler = new RPCHandler(appRouter);

async function handle(request: Request): Promise<Response> {
	const { matched, response } = await handler.handle(request, {
		prefix: "/api/rpc",
		context: { web: getWebContext(), headers: request.headers },
	});
	return matched ? response : new Response("Not found", { status: 404 });
}

export { handle as DELETE, handle as GET, handle as PATCH, handle as POST, handle as PUT };
