import type { ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { generateTextId } from "../ids";
import { invitationEmail } from "../mail/templates";
import type { MailTransport } from "../mail/transport";
import type { InvitationStatus, MemberRole } from "./db";
import * as orgsDb from "./db";
import {
	AlreadyMemberError,
	InvitationExpiredError,
	InvitationForAnotherEmailError,
	InvitationNotFoundError,
	InvitationNotPendingError,
	PermissionDeniedError,
	PersonalOrganizationError,
} from "./errors";
import { type Organization, toOrganization } from "./mapper";
import type { Actor } from "./members";
import { assertCan } from "./permissions";

export const INVITATION_TTL_DAYS = 7;

export interface Invitation {
	id: string;
	email: string;
	role: MemberRole;
	status: InvitationStatus;
	/** "expired" is derived: pending past its expiry. */
	state: InvitationStatus | "expired";
	expiresAt: string;
	createdAt: string;
}

export interface InvitationDetails extends Invitation {
	organization: Organization;
	inviterName: string;
}

function toInvitation(row: orgsDb.InvitationRow, now = new Date()): Invitation {
	return {
		id: row.id,
		email: row.email,
		role: row.role,
		status: row.status,
		state: row.status === "pending" && row.expiresAt <= now ? "expired" : row.status,
		expiresAt: row.expiresAt.toISOString(),
		createdAt: row.createdAt.toISOString(),
	};
}

/** Invites `email` to the actor's organization and emails them a link to accept or decline. */
export async function inviteMember(
	context: ServiceContext,
	params: {
		actor: Actor & { name: string };
		email: string;
		role: MemberRole;
		mail: MailTransport;
		/** Builds the accept/decline page URL from the invitation id. */
		invitationUrl: (invitationId: string) => string;
		ttlDays?: number;
	},
): Promise<Invitation> {
	const { actor } = params;
	assertCan(actor.role, "members:invite");
	if (params.role === "owner" && actor.role !== "owner") throw new PermissionDeniedError("invite an owner");
	const email = params.email.trim().toLowerCase();
	const organization = await orgsDb.findOrganizationForMember(context.db, {
		organizationId: actor.organizationId,
		userId: actor.userId,
	});
	if (!organization) throw new InvitationNotFoundError();
	if (organization.organization.isPersonal) throw new PersonalOrganizationError("have other members");
	const existingUser = await orgsDb.findUserByEmailUnscoped(context.db, email);
	if (
		existingUser &&
		(await orgsDb.findMember(context.db, { organizationId: actor.organizationId, userId: existingUser.id }))
	)
		throw new AlreadyMemberError();
	const row = await orgsDb.insertInvitation(context.db, {
		id: generateTextId(),
		organizationId: actor.organizationId,
		email,
		role: params.role,
		status: "pending",
		inviterId: actor.userId,
		expiresAt: new Date(Date.now() + (params.ttlDays ?? INVITATION_TTL_DAYS) * 86_400_000),
	});
	await params.mail.send(
		invitationEmail({
			to: email,
			inviterName: actor.name,
			organizationName: organization.organization.name,
			url: params.invitationUrl(row.id),
		}),
	);
	return toInvitation(row);
}

export async function listInvitations(
	context: ServiceContext,
	params: { organizationId: string },
): Promise<Invitation[]> {
	const rows = await orgsDb.listPendingInvitations(context.db, params);
	return rows.map((row) => toInvitation(row));
}

export async function cancelInvitation(
	context: ServiceContext,
	params: { actor: Actor; invitationId: string },
): Promise<void> {
	assertCan(params.actor.role, "members:invite");
	const found = await orgsDb.findInvitationUnscoped(context.db, params.invitationId);
	if (!found || found.invitation.organizationId !== params.actor.organizationId)
		throw new InvitationNotFoundError();
	if (found.invitation.status !== "pending") throw new InvitationNotPendingError(found.invitation.status);
	await orgsDb.updateInvitationStatus(context.db, {
		invitationId: params.invitationId,
		organizationId: params.actor.organizationId,
		status: "canceled",
	});
}

/** The invitation behind a link, for the signed-in invitee only (others get "not found"). */
export async function getInvitationForInvitee(
	context: ServiceContext,
	params: { invitationId: string; email: string },
): Promise<InvitationDetails> {
	const found = await orgsDb.findInvitationUnscoped(context.db, params.invitationId);
	if (!found) throw new InvitationNotFoundError();
	if (found.invitation.email !== params.email.trim().toLowerCase())
		throw new InvitationForAnotherEmailError();
	return {
		...toInvitation(found.invitation),
		organization: toOrganization(found.organization),
		inviterName: found.inviter.name,
	};
}

/** Pending, unexpired invitations addressed to this email. */
export async function listInvitationsForEmail(
	context: ServiceContext,
	params: { email: string },
): Promise<InvitationDetails[]> {
	const rows = await orgsDb.listPendingInvitationsForEmailUnscoped(
		context.db,
		params.email.trim().toLowerCase(),
	);
	return rows
		.map((row) => ({
			...toInvitation(row.invitation),
			organization: toOrganization(row.organization),
			inviterName: "",
		}))
		.filter((invitation) => invitation.state === "pending");
}

async function respond(
	context: ServiceContext,
	params: { invitationId: string; userId: string; email: string },
	accept: boolean,
): Promise<Organization> {
	return withTransaction(context.db, async (tx) => {
		const found = await orgsDb.findInvitationUnscoped(tx, params.invitationId, { lockForUpdate: true });
		if (!found) throw new InvitationNotFoundError();
		const { invitation } = found;
		if (invitation.email !== params.email.trim().toLowerCase()) throw new InvitationForAnotherEmailError();
		if (invitation.status !== "pending") throw new InvitationNotPendingError(invitation.status);
		if (invitation.expiresAt <= new Date()) throw new InvitationExpiredError();
		if (accept) {
			const existing = await orgsDb.findMember(tx, {
				organizationId: invitation.organizationId,
				userId: params.userId,
			});
			if (!existing)
				await orgsDb.insertMember(tx, {
					id: generateTextId(),
					organizationId: invitation.organizationId,
					userId: params.userId,
					role: invitation.role,
				});
		}
		await orgsDb.updateInvitationStatus(tx, {
			invitationId: invitation.id,
			organizationId: invitation.organizationId,
			status: accept ? "accepted" : "rejected",
		});
		return toOrganization(found.organization);
	});
}

export function acceptInvitation(
	context: ServiceContext,
	params: { invitationId: string; userId: string; email: string },
): Promise<Organization> {
	return respond(context, params, true);
}

export async function declineInvitation(
	context: ServiceContext,
	params: { invitationId: string; userId: string; email: string },
): Promise<void> {
	await respond(context, params, false);
}
