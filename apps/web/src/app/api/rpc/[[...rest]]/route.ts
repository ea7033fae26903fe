import { getWebContext } from "@/server/context";
import { handleRpcRequest } from "@/server/rpc-handler";

export const dynamic = "force-dynamic";

function handle(request: Request): Promise<Response> {
	return handleRpcRequest(getWebContext(), request);
}

export { handle as DELETE, handle as GET, handle as PATCH, handle as POST, handle as PUT };
