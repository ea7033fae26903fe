import { orgs } from "@proliferate/services";
import { z } from "zod";
import { protectedProcedure } from "../orpc";

const invitationInput = z.object({ invitationId: z.string().min(1).max(100) });
const invitee = (context: { viewer: { user: { id: string; email: string } } }) => ({
	userId: context.viewer.user.id,
	email: context.viewer.user.email,
});

/** The invitee's side: invitations are found by their link id and answered by the addressed user only. */
export const invitationsRouter = {
	mine: protectedProcedure.handler(({ context }) =>
		orgs.listInvitationsForEmail(context.web.services, { email: context.viewer.user.email }),
	),

	get: protectedProcedure.input(invitationInput).handler(({ context, input }) =>
		orgs.getInvitationForInvitee(context.web.services, {
			invitationId: input.invitationId,
			email: context.viewer.user.email,
		}),
	),

	accept: protectedProcedure.input(invitationInput).handler(async ({ context, input }) => {
		const organization = await orgs.acceptInvitation(context.web.services, {
			invitationId: input.invitationId,
			...invitee(context),
		});
		if (context.viewer.sessionId)
			await orgs.setSessionActiveOrganization(context.web.services, {
				sessionId: context.viewer.sessionId,
				organizationId: organization.id,
			});
		return organization;
	}),

	decline: protectedProcedure
		.input(invitationInput)
		.handler(({ context, input }) =>
			orgs.declineInvitation(context.web.services, { invitationId: input.invitationId, ...invitee(context) }),
		),
};
