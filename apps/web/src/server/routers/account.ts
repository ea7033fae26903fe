import { sessions } from "@proliferate/services";
import { signUserToken } from "@proliferate/shared/auth";
import { z } from "zod";
import { orgProcedure, protectedProcedure } from "../orpc";

/** Gateway tokens live this long; the browser asks again before they expire. */
export const GATEWAY_TOKEN_TTL_SECONDS = 15 * 60;

export const accountRouter = {
	/** The signed-in user, their active organization and role, and impersonation state. */
	me: orgProcedure.handler(({ context }) => ({
		user: context.viewer.user,
		organization: context.organization,
		role: context.role,
		isSuperAdmin: context.viewer.isSuperAdmin,
		impersonation: context.viewer.impersonation
			? { id: context.viewer.impersonation.id, admin: context.viewer.impersonation.admin }
			: null,
		via: context.viewer.via,
	})),

	/** Whether a user is signed in at all (no organization needed). */
	viewer: protectedProcedure.handler(({ context }) => ({
		user: context.viewer.user,
		isSuperAdmin: context.viewer.isSuperAdmin,
		impersonating: context.viewer.impersonation !== null,
	})),

	/**
	 * A short-lived token for the gateway, scoped to the active organization and (optionally) one
	 * session; the gateway verifies it without calling back here.
	 */
	gatewayToken: orgProcedure
		.input(z.object({ sessionId: z.string().min(1).max(100).optional() }).default({}))
		.handler(async ({ context, input }) => {
			// A session-scoped token only for a session of the active organization (else: not found).
			if (input.sessionId)
				await sessions.getSession(context.web.services, {
					organizationId: context.organization.id,
					sessionId: input.sessionId,
				});
			const token = await signUserToken(
				{
					userId: context.viewer.user.id,
					organizationId: context.organization.id,
					sessionId: input.sessionId ?? null,
					ttlSeconds: GATEWAY_TOKEN_TTL_SECONDS,
				},
				context.web.env.GATEWAY_JWT_SECRET,
			);
			return {
				token,
				gatewayUrl: context.web.env.GATEWAY_URL,
				expiresAt: new Date(Date.now() + GATEWAY_TOKEN_TTL_SECONDS * 1000).toISOString(),
			};
		}),
};
