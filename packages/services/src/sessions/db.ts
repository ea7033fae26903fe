import {
	and,
	asc,
	type DatabaseOrTransaction,
	desc,
	eq,
	gt,
	inArray,
	type SQL,
	schema,
} from "@proliferate/db";
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

/** One active session with its current sandbox's lifetime, for the worker's session watch. */
export interface WatchedSessionRow {
	id: string;
	organizationId: string;
	status: SessionStatus;
	lastActivityAt: Date;
	updatedAt: Date;
	idleTimeoutSeconds: number | null;
	sandboxCreatedAt: Date | null;
	sandboxExpiresAt: Date | null;
}

/**
 * Unscoped on purpose (the worker's session watch looks at every organization): active sessions
 * after `afterId` in id order, with their current sandbox's creation and expiry times.
 */
export async function listActiveSessionsUnscoped(
	db: DatabaseOrTransaction,
	params: { statuses: readonly SessionStatus[]; afterId?: string; limit: number; sessionId?: string },
): Promise<WatchedSessionRow[]> {
	const conditions: SQL[] = [inArray(schema.sessions.status, [...params.statuses])];
	if (params.afterId) conditions.push(gt(schema.sessions.id, params.afterId));
	if (params.sessionId) conditions.push(eq(schema.sessions.id, params.sessionId));
	return db
		.select({
			id: schema.sessions.id,
			organizationId: schema.sessions.organizationId,
			status: schema.sessions.status,
			lastActivityAt: schema.sessions.lastActivityAt,
			updatedAt: schema.sessions.updatedAt,
			idleTimeoutSeconds: schema.sessions.idleTimeoutSeconds,
			sandboxCreatedAt: schema.sandboxes.createdAt,
			sandboxExpiresAt: schema.sandboxes.expiresAt,
		})
		.from(schema.sessions)
		.leftJoin(schema.sandboxes, eq(schema.sandboxes.id, schema.sessions.sandboxId))
		.where(and(...conditions))
		.orderBy(asc(schema.sessions.id))
		.limit(params.limit);
}
