import { ORPCError } from "@orpc/server";
import { orgs } from "@proliferate/services";
import { z } from "zod";
import { orgProcedure, protectedProcedure } from "../orpc";

const roleSchema = z.enum(["owner", "admin", "member"]);
const idSchema = z.string().min(1).max(100);
const actorOf = (context: {
	organization: { id: string };
	viewer: { user: { id: string } };
	role: orgs.MemberRole;
}) => ({
	organizationId: context.organization.id,
	userId: context.viewer.user.id,
	role: context.role,
});

function requireSession(sessionId: string | null): string {
	if (!sessionId)
		throw new ORPCError("BAD_REQUEST", { message: "Switching organizations needs a browser session" });
	return sessionId;
}

export const orgsRouter = {
	/** Organizations the caller belongs to, with their role. */
	list: protectedProcedure.handler(({ context }) =>
		orgs.listForUser(context.web.services, { userId: context.viewer.user.id }),
	),

	create: protectedProcedure
		.input(z.object({ name: z.string().trim().min(2).max(64) }))
		.handler(async ({ context, input }) => {
			const organization = await orgs.createOrganization(context.web.services, {
				name: input.name,
				ownerUserId: context.viewer.user.id,
			});
			if (context.viewer.sessionId)
				await orgs.setSessionActiveOrganization(context.web.services, {
					sessionId: context.viewer.sessionId,
					organizationId: organization.id,
				});
			return organization;
		}),

	switch: protectedProcedure.input(z.object({ organizationId: idSchema })).handler(({ context, input }) =>
		orgs.switchOrganization(context.web.services, {
			sessionId: requireSession(context.viewer.sessionId),
			userId: context.viewer.user.id,
			organizationId: input.organizationId,
		}),
	),

	/** The active organization, its members, pending invitations and domain joining. */
	get: orgProcedure.handler(async ({ context }) => {
		const organizationId = context.organization.id;
		const [members, invitations, joinEmailDomain] = await Promise.all([
			orgs.listMembers(context.web.services, { organizationId }),
			orgs.can(context.role, "members:invite")
				? orgs.listInvitations(context.web.services, { organizationId })
				: Promise.resolve([]),
			orgs.getJoinEmailDomain(context.web.services, { organizationId }),
		]);
		return { organization: context.organization, role: context.role, members, invitations, joinEmailDomain };
	}),

	rename: orgProcedure
		.input(z.object({ name: z.string().trim().min(2).max(64) }))
		.handler(({ context, input }) =>
			orgs.renameOrganization(context.web.services, { actor: actorOf(context), name: input.name }),
		),

	invite: orgProcedure
		.input(z.object({ email: z.email().max(320), role: roleSchema.default("member") }))
		.handler(({ context, input }) =>
			orgs.inviteMember(context.web.services, {
				actor: { ...actorOf(context), name: context.viewer.user.name },
				email: input.email,
				role: input.role,
				mail: context.web.mail,
				invitationUrl: (invitationId) =>
					new URL(`/invitations/${invitationId}`, context.web.env.WEB_URL).toString(),
			}),
		),

	cancelInvitation: orgProcedure.input(z.object({ invitationId: idSchema })).handler(({ context, input }) =>
		orgs.cancelInvitation(context.web.services, {
			actor: actorOf(context),
			invitationId: input.invitationId,
		}),
	),

	removeMember: orgProcedure
		.input(z.object({ userId: idSchema }))
		.handler(({ context, input }) =>
			orgs.removeMember(context.web.services, { actor: actorOf(context), userId: input.userId }),
		),

	changeRole: orgProcedure
		.input(z.object({ userId: idSchema, role: roleSchema }))
		.handler(({ context, input }) =>
			orgs.changeMemberRole(context.web.services, {
				actor: actorOf(context),
				userId: input.userId,
				role: input.role,
			}),
		),

	leave: orgProcedure.handler(({ context }) =>
		orgs.leaveOrganization(context.web.services, { actor: actorOf(context) }),
	),

	setJoinEmailDomain: orgProcedure
		.input(z.object({ domain: z.string().trim().max(253).nullable() }))
		.handler(({ context, input }) =>
			orgs.setJoinEmailDomain(context.web.services, {
				actor: actorOf(context),
				domain: input.domain,
				actorEmail: context.viewer.user.email,
			}),
		),

	/** Organizations the caller may join because of their verified email domain. */
	domainSuggestions: protectedProcedure.handler(({ context }) =>
		orgs.suggestOrganizationsByDomain(context.web.services, {
			userId: context.viewer.user.id,
			email: context.viewer.user.email,
			emailVerified: context.viewer.user.emailVerified,
		}),
	),

	joinByDomain: protectedProcedure
		.input(z.object({ organizationId: idSchema }))
		.handler(async ({ context, input }) => {
			const organization = await orgs.joinByEmailDomain(context.web.services, {
				userId: context.viewer.user.id,
				email: context.viewer.user.email,
				emailVerified: context.viewer.user.emailVerified,
				organizationId: input.organizationId,
			});
			if (context.viewer.sessionId)
				await orgs.setSessionActiveOrganization(context.web.services, {
					sessionId: context.viewer.sessionId,
					organizationId: organization.id,
				});
			return organization;
		}),
};
