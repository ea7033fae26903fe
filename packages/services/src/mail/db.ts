import { type DatabaseOrTransaction, desc, eq, schema } from "@proliferate/db";

export type OutboxRow = typeof schema.mailOutbox.$inferSelect;

export async function insertOutboxMail(
	db: DatabaseOrTransaction,
	values: typeof schema.mailOutbox.$inferInsert,
): Promise<void> {
	await db.insert(schema.mailOutbox).values(values);
}

/** Unscoped on purpose: the local outbox is a development tool over every email sent. */
export async function listOutboxUnscoped(
	db: DatabaseOrTransaction,
	params: { to?: string; limit: number },
): Promise<OutboxRow[]> {
	const query = db.select().from(schema.mailOutbox);
	const filtered = params.to ? query.where(eq(schema.mailOutbox.to, params.to.toLowerCase())) : query;
	return filtered.orderBy(desc(schema.mailOutbox.createdAt)).limit(params.limit);
}
