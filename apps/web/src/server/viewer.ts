import { admin, apiKeys, orgs } from "@proliferate/services";
import type { WebContext } from "./context";

export interface ViewerUser {
	id: string;
	name: string;
	email: string;
	emailVerified: boolean;
	image: string | null;
}

/** Who is calling, resolved from the session cookie (or an API key) on every request. */
export interface Viewer {
	/** The user the request acts as (the impersonated user while a super-admin impersonates). */
	user: ViewerUser;
	/** How the caller authenticated. */
	via: "session" | "api_key";
	/** better-auth session id (null for API keys). */
	sessionId: string | null;
	/** The organization the session has selected (an API key is bound to one). */
	activeOrganizationId: string | null;
	/** True when the real signed-in user is a super-admin listed in SUPER_ADMIN_EMAILS (and not impersonating). */
	isSuperAdmin: boolean;
	/** Set while a super-admin impersonates `user`. */
	impersonation: { id: string; admin: ViewerUser } | null;
	apiKeyId: string | null;
}

const bearerPrefix = "Bearer ";

/** Resolves the caller from request headers; null when not signed in. Every check hits the database. */
export async function resolveViewer(web: WebContext, headers: Headers): Promise<Viewer | null> {
	const authorization = headers.get("authorization");
	if (authorization?.startsWith(bearerPrefix)) {
		const key = await apiKeys.authenticate(web.services, {
			key: authorization.slice(bearerPrefix.length).trim(),
		});
		return {
			user: key.user,
			via: "api_key",
			sessionId: null,
			activeOrganizationId: key.organizationId,
			isSuperAdmin: false,
			impersonation: null,
			apiKeyId: key.apiKeyId,
		};
	}
	const current = await web.auth.api.getSession({ headers, query: { disableCookieCache: true } });
	if (!current) return null;
	const realUser: ViewerUser = {
		id: current.user.id,
		name: current.user.name,
		email: current.user.email,
		emailVerified: current.user.emailVerified,
		image: current.user.image ?? null,
	};
	const session = current.session as typeof current.session & {
		activeOrganizationId?: string | null;
		impersonationId?: string | null;
	};
	if (session.impersonationId) {
		const impersonation = await admin.findActiveImpersonation(web.services, {
			impersonationId: session.impersonationId,
			adminUserId: realUser.id,
		});
		if (impersonation) {
			return {
				user: impersonation.target,
				via: "session",
				sessionId: session.id,
				activeOrganizationId: session.activeOrganizationId ?? null,
				isSuperAdmin: false,
				impersonation: { id: impersonation.id, admin: realUser },
				apiKeyId: null,
			};
		}
	}
	return {
		user: realUser,
		via: "session",
		sessionId: session.id,
		activeOrganizationId: session.activeOrganizationId ?? null,
		isSuperAdmin: web.superAdminEmails.has(realUser.email.toLowerCase()),
		impersonation: null,
		apiKeyId: null,
	};
}

/**
 * The organization a viewer acts in and their role there: the session's active organization when
 * they are a member of it, else the one they last used (or their first), remembered on the session.
 */
export async function resolveActiveMembership(
	web: WebContext,
	viewer: Viewer,
): Promise<orgs.Membership | null> {
	if (viewer.activeOrganizationId) {
		const membership = await orgs
			.requireMembership(web.services, {
				organizationId: viewer.activeOrganizationId,
				userId: viewer.user.id,
			})
			.catch(() => null);
		if (membership || viewer.via === "api_key") return membership;
	}
	const fallback = await orgs.defaultMembership(web.services, { userId: viewer.user.id });
	if (!fallback) return null;
	if (viewer.sessionId) {
		await orgs.setSessionActiveOrganization(web.services, {
			sessionId: viewer.sessionId,
			organizationId: fallback.organization.id,
		});
	}
	return fallback;
}
