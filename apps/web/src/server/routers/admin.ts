import { ORPCError } from "@orpc/server";
import { admin, audit } from "@proliferate/services";
import { z } from "zod";
import { protectedProcedure, superAdminProcedure } from "../orpc";

const listInput = z.object({ search: z.string().trim().max(100).optional() }).default({});

export const adminRouter = {
	users: superAdminProcedure
		.input(listInput)
		.handler(({ context, input }) =>
			admin.listUsers(context.web.services, input.search ? { search: input.search } : {}),
		),

	organizations: superAdminProcedure
		.input(listInput)
		.handler(({ context, input }) =>
			admin.listOrganizations(context.web.services, input.search ? { search: input.search } : {}),
		),

	auditEvents: superAdminProcedure
		.input(z.object({ action: z.string().max(100).optional() }).default({}))
		.handler(({ context, input }) =>
			audit.listAuditEventsUnscoped(context.web.services, input.action ? { action: input.action } : {}),
		),

	impersonate: superAdminProcedure
		.input(z.object({ userId: z.string().min(1).max(100), reason: z.string().trim().max(200).optional() }))
		.handler(async ({ context, input }) => {
			if (!context.viewer.sessionId)
				throw new ORPCError("BAD_REQUEST", { message: "Impersonation needs a browser session" });
			return admin.startImpersonation(context.web.services, {
				adminUserId: context.viewer.user.id,
				sessionId: context.viewer.sessionId,
				targetUserId: input.userId,
				...(input.reason ? { reason: input.reason } : {}),
			});
		}),

	/** Ends impersonation; callable while impersonating (the acting user is the impersonated one). */
	stopImpersonating: protectedProcedure.handler(async ({ context }) => {
		const impersonation = context.viewer.impersonation;
		if (!impersonation || !context.viewer.sessionId)
			throw new ORPCError("BAD_REQUEST", { message: "You are not impersonating anyone" });
		await admin.stopImpersonation(context.web.services, {
			adminUserId: impersonation.admin.id,
			sessionId: context.viewer.sessionId,
			impersonationId: impersonation.id,
		});
	}),
};
