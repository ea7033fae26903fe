import type { ServiceContext } from "../context";
import type { DatabaseOrTransaction } from "../db/client";
import { generateTextId } from "../ids";
import * as auditDb from "./db";
import { type AuditEvent, toAuditEvent } from "./mapper";

/** Records one audit event; takes the handle so callers write it inside their own transaction. */
export async function recordAuditEvent(
	db: DatabaseOrTransaction,
	event: {
		action: string;
		actorUserId: string | null;
		organizationId?: string | null;
		targetType?: string;
		targetId?: string;
		metadata?: Record<string, unknown>;
	},
): Promise<void> {
	await auditDb.insertAuditEvent(db, {
		id: generateTextId(),
		action: event.action,
		actorUserId: event.actorUserId,
		organizationId: event.organizationId ?? null,
		targetType: event.targetType ?? null,
		targetId: event.targetId ?? null,
		metadata: event.metadata ? JSON.stringify(event.metadata) : null,
	});
}

/** Unscoped on purpose (super-admin view): the latest audit events, optionally of one action. */
export async function listAuditEventsUnscoped(
	context: ServiceContext,
	params: { action?: string; actorUserId?: string; limit?: number } = {},
): Promise<AuditEvent[]> {
	const rows = await auditDb.listAuditEventsUnscoped(context.db, {
		...(params.action ? { action: params.action } : {}),
		...(params.actorUserId ? { actorUserId: params.actorUserId } : {}),
		limit: params.limit ?? 100,
	});
	return rows.map(toAuditEvent);
}
