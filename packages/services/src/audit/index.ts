import { and, type DatabaseOrTransaction, desc, eq, schema } from "@proliferate/db";
import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";

export interface AuditEvent {
	id: string;
	organizationId: string | null;
	actorUserId: string | null;
	action: string;
	targetType: string | null;
	targetId: string | null;
	metadata: Record<string, unknown> | null;
	createdAt: string;
}

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
	await db.insert(schema.auditEvents).values({
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
	const conditions = [
		params.action ? eq(schema.auditEvents.action, params.action) : undefined,
		params.actorUserId ? eq(schema.auditEvents.actorUserId, params.actorUserId) : undefined,
	].filter((condition) => condition !== undefined);
	const rows = await context.db
		.select()
		.from(schema.auditEvents)
		.where(conditions.length ? and(...conditions) : undefined)
		.orderBy(desc(schema.auditEvents.createdAt))
		.limit(params.limit ?? 100);
	return rows.map((row) => ({
		id: row.id,
		organizationId: row.organizationId,
		actorUserId: row.actorUserId,
		action: row.action,
		targetType: row.targetType,
		targetId: row.targetId,
		metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
		createdAt: row.createdAt.toISOString(),
	}));
}
