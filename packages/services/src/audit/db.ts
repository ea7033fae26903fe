import { and, type DatabaseOrTransaction, desc, eq, schema } from "@proliferate/db";

export type AuditEventRow = typeof schema.auditEvents.$inferSelect;

export async function insertAuditEvent(
	db: DatabaseOrTransaction,
	values: typeof schema.auditEvents.$inferInsert,
): Promise<void> {
	await db.insert(schema.auditEvents).values(values);
}

/** Unscoped on purpose (super-admin view): the latest audit events, optionally of one action or actor. */
export async function listAuditEventsUnscoped(
	db: DatabaseOrTransaction,
	params: { action?: string; actorUserId?: string; limit: number },
): Promise<AuditEventRow[]> {
	const conditions = [
		params.action ? eq(schema.auditEvents.action, params.action) : undefined,
		params.actorUserId ? eq(schema.auditEvents.actorUserId, params.actorUserId) : undefined,
	].filter((condition) => condition !== undefined);
	return db
		.select()
		.from(schema.auditEvents)
		.where(conditions.length ? and(...conditions) : undefined)
		.orderBy(desc(schema.auditEvents.createdAt))
		.limit(params.limit);
}
