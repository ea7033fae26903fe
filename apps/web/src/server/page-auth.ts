import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getWebContext } from "./context";
import { resolveActiveMembership, resolveViewer, type Viewer } from "./viewer";

/** The viewer of a server-rendered page (same resolution as the oRPC procedures), or null. */
export async function getPageViewer(): Promise<Viewer | null> {
	return resolveViewer(getWebContext(), await headers()).catch(() => null);
}

/** For pages under (app): the signed-in viewer with an active organization, else a redirect. */
export async function requirePageMembership() {
	const web = getWebContext();
	const viewer = await getPageViewer();
	if (!viewer) redirect("/sign-in");
	const membership = await resolveActiveMembership(web, viewer);
	if (!membership) redirect("/onboarding");
	return { viewer, membership };
}
