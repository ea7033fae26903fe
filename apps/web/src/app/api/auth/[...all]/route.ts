import { getWebContext } from "@/server/context";

export const dynamic = "force-dynamic";

function handle(request: Request): Promise<Response> {
	return getWebContext().auth.handler(request);
}

export { handle as GET, handle as POST };
