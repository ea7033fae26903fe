import { recordAuditEvent } from "../audit/service";
import type { ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import type { MemberRole } from "./db";
import * as orgsDb from "./db";
import { LastOwnerError, MemberNotFoundError, NotAMemberError, PermissionDeniedError } from "./errors";
import { type Membership, type Organization, toMembership, toOrganization } from "./mapper";
import { assertCan, outranks } from "./permissions";

export interface Actor {
	organizationId: string;
	userId: string;
	role: MemberRole;
}

/** Makes `organizationId` the active organization of a browser session (the user must be a member). */
export async function setSessionActiveOrganization(
	context: ServiceContext,
	params: { sessionId: string; organizationId: string },
): Promise<void> {
	await orgsDb.updateSessionActiveOrganization(context.db, params);
}

export async function switchOrganization(
	context: ServiceContext,
	params: { sessionId: string; userId: string; organizationId: string },
): Promise<Organization> {
	const row = await orgsDb.findOrganizationForMember(context.db, params);
	if (!row) throw new NotAMemberError(params.organizationId);
	await orgsDb.updateSessionActiveOrganization(context.db, params);
	return toOrganization(row.organization);
}

export async function renameOrganization(
	context: ServiceContext,
	params: { actor: Actor; name: string },
): Promise<Organization> {
	assertCan(params.actor.role, "organization:update");
	const row = await orgsDb.updateOrganizationName(context.db, {
		organizationId: params.actor.organizationId,
		name: params.name.trim(),
	});
	if (!row) throw new NotAMemberError(params.actor.organizationId);
	return toOrganization(row);
}

/** Removes a member. Admins remove members only; owners anyone; the last owner never. */
export async function removeMember(
	context: ServiceContext,
	params: { actor: Actor; userId: string },
): Promise<void> {
	const { actor } = params;
	if (params.userId === actor.userId) return leaveOrganization(context, { actor });
	assertCan(actor.role, "members:remove");
	await withTransaction(context.db, async (tx) => {
		const target = await orgsDb.findMember(tx, {
			organizationId: actor.organizationId,
			userId: params.userId,
		});
		if (!target) throw new MemberNotFoundError(params.userId);
		if (!outranks(actor.role, target.role)) throw new PermissionDeniedError(`remove a ${target.role}`);
		if (
			target.role === "owner" &&
			(await orgsDb.countOwners(tx, { organizationId: actor.organizationId })) <= 1
		)
			throw new LastOwnerError();
		await orgsDb.deleteMember(tx, { organizationId: actor.organizationId, userId: params.userId });
		await recordAuditEvent(tx, {
			action: "member.removed",
			actorUserId: actor.userId,
			organizationId: actor.organizationId,
			targetType: "user",
			targetId: params.userId,
			metadata: { role: target.role },
		});
	});
}

/** Leaves an organization; the last owner must hand ownership over first. */
export async function leaveOrganization(context: ServiceContext, params: { actor: Actor }): Promise<void> {
	const { actor } = params;
	await withTransaction(context.db, async (tx) => {
		if (
			actor.role === "owner" &&
			(await orgsDb.countOwners(tx, { organizationId: actor.organizationId })) <= 1
		)
			throw new LastOwnerError();
		await orgsDb.deleteMember(tx, { organizationId: actor.organizationId, userId: actor.userId });
		await recordAuditEvent(tx, {
			action: "member.left",
			actorUserId: actor.userId,
			organizationId: actor.organizationId,
			targetType: "user",
			targetId: actor.userId,
		});
	});
}

/** Changes a member's role. Only owners grant or take away ownership; the last owner stays owner. */
export async function changeMemberRole(
	context: ServiceContext,
	params: { actor: Actor; userId: string; role: MemberRole },
): Promise<void> {
	const { actor } = params;
	assertCan(actor.role, "members:update_role");
	await withTransaction(context.db, async (tx) => {
		const target = await orgsDb.findMember(tx, {
			organizationId: actor.organizationId,
			userId: params.userId,
		});
		if (!target) throw new MemberNotFoundError(params.userId);
		if (target.role === params.role) return;
		if ((target.role === "owner" || params.role === "owner") && actor.role !== "owner")
			throw new PermissionDeniedError("change ownership");
		if (target.userId !== actor.userId && !outranks(actor.role, target.role))
			throw new PermissionDeniedError(`change the role of a ${target.role}`);
		if (
			target.role === "owner" &&
			(await orgsDb.countOwners(tx, { organizationId: actor.organizationId })) <= 1
		)
			throw new LastOwnerError();
		await orgsDb.updateMemberRole(tx, {
			organizationId: actor.organizationId,
			userId: params.userId,
			role: params.role,
		});
		await recordAuditEvent(tx, {
			action: "member.role_changed",
			actorUserId: actor.userId,
			organizationId: actor.organizationId,
			targetType: "user",
			targetId: params.userId,
			metadata: { from: target.role, to: params.role },
		});
	});
}

/**
 * The membership a fresh browser session starts in: the organization the user last worked in
 * (from their other sessions), else their first.
 */
export async function defaultMembership(
	context: ServiceContext,
	params: { userId: string },
): Promise<Membership | null> {
	const lastActive = await orgsDb.findLastActiveOrganizationId(context.db, params);
	if (lastActive) {
		const row = await orgsDb.findOrganizationForMember(context.db, {
			organizationId: lastActive,
			userId: params.userId,
		});
		if (row) return toMembership(row);
	}
	const [first] = await orgsDb.listOrganizationsForUser(context.db, params);
	return first ? toMembership(first) : null;
}
