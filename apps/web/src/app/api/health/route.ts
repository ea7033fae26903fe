export const dynamic = "force-dynamic";

/** Liveness for `make start` and load balancers; no database round trip. */
export function GET(): Response {
	return Response.json({ status: "ok", service: "web" });
}
