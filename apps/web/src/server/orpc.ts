import { ORPCError, os } from "@orpc/server";
import type { orgs } from "@proliferate/services";
import type { WebContext } from "./context";
import { toOrpcError } from "./errors";
import { resolveActiveMembership, resolveViewer, type Viewer } from "./viewer";

/** What every request starts with: the process context and the request headers. */
export interface RequestContext {
	web: WebContext;
	headers: Headers;
}

const base = os.$context<RequestContext>();

/** Maps thrown domain errors to oRPC errors (one place for the whole API). */
const mapErrors = base.middleware(async ({ context, next }) => {
	try {
		return await next();
	} catch (error) {
		throw toOrpcError(error, context.web.logger);
	}
});

/** Anyone, signed in or not. */
export const publicProcedure = base.use(mapErrors);

/** A signed-in user (session cookie or API key); `context.viewer` says who. Otherwise 401. */
export const protectedProcedure = publicProcedure.use(async ({ context, next }) => {
	const viewer = await resolveViewer(context.web, context.headers);
	if (!viewer) throw new ORPCError("UNAUTHORIZED", { message: "Sign in to continue" });
	return next({ context: { viewer } });
});

export interface OrgContext {
	viewer: Viewer;
	/** The active organization; pass `organization.id` to every service call. */
	organization: orgs.Organization;
	role: orgs.MemberRole;
}

/** A member of the active organization; `context.organization` and `context.role` are set. */
export const orgProcedure = protectedProcedure.use(async ({ context, next }) => {
	const membership = await resolveActiveMembership(context.web, context.viewer);
	if (!membership) throw new ORPCError("NOT_FOUND", { message: "You are not a member of any organization" });
	return next({ context: { organization: membership.organization, role: membership.role } });
});

/** A super-admin (SUPER_ADMIN_EMAILS) signed in with a session and not impersonating. */
export const superAdminProcedure = protectedProcedure.use(async ({ context, next }) => {
	if (!context.viewer.isSuperAdmin) throw new ORPCError("FORBIDDEN", { message: "Super-admins only" });
	return next();
});
