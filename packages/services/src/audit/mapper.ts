import type { AuditEventRow } from "./db";

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

export function toAuditEvent(row: AuditEventRow): AuditEvent {
	return {
		id: row.id,
		organizationId: row.organizationId,
		actorUserId: row.actorUserId,
		action: row.action,
		targetType: row.targetType,
		targetId: row.targetId,
		metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
		createdAt: row.createdAt.toISOString(),
	};
}
