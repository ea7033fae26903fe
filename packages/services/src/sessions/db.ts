import { and, type DatabaseOrTransaction, desc, eq, inArray, type SQL, schema } from "@proliferate/db";
import type { SessionStatus } from "./state";

export type SessionRow = typeof schema.sessions.$inferSelect;

export async function insertSession(
	db: DatabaseOrTransaction,
	values: typeof schema.sessions.$inferInsert,
): Promise<SessionRow> {
	const [row] = await db.insert(schema.sessions).values(values).returning();
	if (!row) throw new Error("insert into sessions returned no row");
	return row;
}

export async function findSession(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sessionId: string },
): Promise<SessionRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.sessions)
		.where(
			and(
				eq(schema.sessions.organizationId, params.organizationId),
				eq(schema.sessions.id, params.sessionId),
			),
		);
	return row;
}

export async function listSessions(
	db: DatabaseOrTransaction,
	params: {
		organizationId: string;
		statuses?: SessionStatus[];
		repoId?: string;
		createdBy?: string;
		limit: number;
	},
): Promise<SessionRow[]> {
	const conditions: SQL[] = [eq(schema.sessions.organizationId, params.organizationId)];
	if (params.statuses?.length) conditions.push(inArray(schema.sessions.status, params.statuses));
	if (params.repoId) conditions.push(eq(schema.sessions.repoId, params.repoId));
	if (params.createdBy) conditions.push(eq(schema.sessions.createdBy, params.createdBy));
	return db
		.select()
		.from(schema.sessions)
		.where(and(...conditions))
		.orderBy(desc(schema.sessions.createdAt))
		.limit(params.limit);
}

export async function updateSession(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sessionId: string; expectedStatus?: SessionStatus },
	values: Partial<typeof schema.sessions.$inferInsert>,
): Promise<SessionRow | undefined> {
	const conditions = [
		eq(schema.sessions.organizationId, params.organizationId),
		eq(schema.sessions.id, params.sessionId),
	];
	if (params.expectedStatus) conditions.push(eq(schema.sessions.status, params.expectedStatus));
	const [row] = await db
		.update(schema.sessions)
		.set(values)
		.where(and(...conditions))
		.returning();
	return row;
}

export async function deleteSession(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sessionId: string },
): Promise<boolean> {
	const rows = await db
		.delete(schema.sessions)
		.where(
			and(
				eq(schema.sessions.organizationId, params.organizationId),
				eq(schema.sessions.id, params.sessionId),
			),
		)
		.returning({ id: schema.sessions.id });
	return rows.length > 0;
}

export async function findReferencedSnapshotIdsUnscoped(
	db: DatabaseOrTransaction,
	snapshotIds: string[],
): Promise<string[]> {
	if (snapshotIds.length === 0) return [];
	const rows = await db
		.selectDistinct({ snapshotId: schema.sessions.snapshotId })
		.from(schema.sessions)
		.where(inArray(schema.sessions.snapshotId, snapshotIds));
	return rows.flatMap((row) => (row.snapshotId ? [row.snapshotId] : []));
}
