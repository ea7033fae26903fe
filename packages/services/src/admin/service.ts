import { recordAuditEvent } from "../audit/service";
import type { ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { generateTextId } from "../ids";
import * as orgsDb from "../orgs/db";
import { UserNotFoundError } from "../orgs/errors";
import { toUser, type User } from "../orgs/mapper";
import * as adminDb from "./db";
import { CannotImpersonateError } from "./errors";
import {
	type ActiveImpersonation,
	type AdminOrganization,
	type AdminUser,
	toActiveImpersonation,
	toAdminOrganization,
	toAdminUser,
} from "./mapper";

/** Impersonation ends by itself after this long. */
export const IMPERSONATION_TTL_MINUTES = 60;

export async function listUsers(
	context: ServiceContext,
	params: { search?: string; limit?: number } = {},
): Promise<AdminUser[]> {
	const rows = await adminDb.listUsersUnscoped(context.db, {
		limit: params.limit ?? 100,
		...(params.search ? { search: params.search } : {}),
	});
	return rows.map(toAdminUser);
}

export async function listOrganizations(
	context: ServiceContext,
	params: { search?: string; limit?: number } = {},
): Promise<AdminOrganization[]> {
	const rows = await adminDb.listOrganizationsUnscoped(context.db, {
		limit: params.limit ?? 100,
		...(params.search ? { search: params.search } : {}),
	});
	return rows.map(toAdminOrganization);
}

/**
 * Starts acting as `targetUserId` from the admin's own browser session: records the impersonation
 * and an audit row, and marks the session. Callers must have checked the super-admin role.
 */
export async function startImpersonation(
	context: ServiceContext,
	params: { adminUserId: string; sessionId: string; targetUserId: string; reason?: string },
): Promise<{ impersonationId: string; target: User }> {
	if (params.adminUserId === params.targetUserId)
		throw new CannotImpersonateError("You cannot impersonate yourself");
	return withTransaction(context.db, async (tx) => {
		const target = await orgsDb.findUserById(tx, params.targetUserId);
		if (!target) throw new UserNotFoundError(params.targetUserId);
		const impersonation = await adminDb.insertImpersonation(tx, {
			id: generateTextId(),
			adminUserId: params.adminUserId,
			targetUserId: target.id,
			reason: params.reason ?? null,
			expiresAt: new Date(Date.now() + IMPERSONATION_TTL_MINUTES * 60_000),
		});
		await adminDb.setSessionImpersonation(tx, {
			sessionId: params.sessionId,
			userId: params.adminUserId,
			impersonationId: impersonation.id,
		});
		await recordAuditEvent(tx, {
			action: "admin.impersonation.started",
			actorUserId: params.adminUserId,
			targetType: "user",
			targetId: target.id,
			metadata: { impersonationId: impersonation.id, ...(params.reason ? { reason: params.reason } : {}) },
		});
		return { impersonationId: impersonation.id, target: toUser(target) };
	});
}

export async function findActiveImpersonation(
	context: ServiceContext,
	params: { impersonationId: string; adminUserId: string },
): Promise<ActiveImpersonation | null> {
	const row = await adminDb.findActiveImpersonation(context.db, params);
	return row ? toActiveImpersonation(row) : null;
}

/** Ends the impersonation running from this session (a no-op when none is), with an audit row. */
export async function stopImpersonation(
	context: ServiceContext,
	params: { adminUserId: string; sessionId: string; impersonationId: string },
): Promise<void> {
	await withTransaction(context.db, async (tx) => {
		const ended = await adminDb.endImpersonation(tx, params);
		await adminDb.setSessionImpersonation(tx, {
			sessionId: params.sessionId,
			userId: params.adminUserId,
			impersonationId: null,
		});
		if (ended)
			await recordAuditEvent(tx, {
				action: "admin.impersonation.stopped",
				actorUserId: params.adminUserId,
				targetType: "user",
				targetId: ended.targetUserId,
				metadata: { impersonationId: ended.id },
			});
	});
}
