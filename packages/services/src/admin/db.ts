import {
	and,
	count,
	type DatabaseOrTransaction,
	desc,
	eq,
	gt,
	ilike,
	isNull,
	or,
	schema,
} from "@proliferate/db";

export type ImpersonationRow = typeof schema.adminImpersonations.$inferSelect;
type UserRow = typeof schema.users.$inferSelect;

/** Unscoped on purpose (super-admin): every user, newest first, with how many organizations they are in. */
export async function listUsersUnscoped(
	db: DatabaseOrTransaction,
	params: { search?: string; limit: number },
): Promise<{ user: UserRow; organizations: number }[]> {
	const pattern = params.search ? `%${params.search}%` : undefined;
	return db
		.select({ user: schema.users, organizations: count(schema.members.id) })
		.from(schema.users)
		.leftJoin(schema.members, eq(schema.members.userId, schema.users.id))
		.where(pattern ? or(ilike(schema.users.email, pattern), ilike(schema.users.name, pattern)) : undefined)
		.groupBy(schema.users.id)
		.orderBy(desc(schema.users.createdAt))
		.limit(params.limit);
}

/** Unscoped on purpose (super-admin): every organization with its member count. */
export async function listOrganizationsUnscoped(
	db: DatabaseOrTransaction,
	params: { search?: string; limit: number },
): Promise<{ organization: typeof schema.organizations.$inferSelect; members: number }[]> {
	const pattern = params.search ? `%${params.search}%` : undefined;
	return db
		.select({ organization: schema.organizations, members: count(schema.members.id) })
		.from(schema.organizations)
		.leftJoin(schema.members, eq(schema.members.organizationId, schema.organizations.id))
		.where(
			pattern
				? or(ilike(schema.organizations.name, pattern), ilike(schema.organizations.slug, pattern))
				: undefined,
		)
		.groupBy(schema.organizations.id)
		.orderBy(desc(schema.organizations.createdAt))
		.limit(params.limit);
}

export async function insertImpersonation(
	db: DatabaseOrTransaction,
	values: typeof schema.adminImpersonations.$inferInsert,
): Promise<ImpersonationRow> {
	const [row] = await db.insert(schema.adminImpersonations).values(values).returning();
	if (!row) throw new Error("insert into admin_impersonations returned no row");
	return row;
}

export async function findActiveImpersonation(
	db: DatabaseOrTransaction,
	params: { impersonationId: string; adminUserId: string },
): Promise<{ impersonation: ImpersonationRow; target: UserRow } | undefined> {
	const [row] = await db
		.select({ impersonation: schema.adminImpersonations, target: schema.users })
		.from(schema.adminImpersonations)
		.innerJoin(schema.users, eq(schema.users.id, schema.adminImpersonations.targetUserId))
		.where(
			and(
				eq(schema.adminImpersonations.id, params.impersonationId),
				eq(schema.adminImpersonations.adminUserId, params.adminUserId),
				isNull(schema.adminImpersonations.endedAt),
				gt(schema.adminImpersonations.expiresAt, new Date()),
			),
		);
	return row;
}

export async function endImpersonation(
	db: DatabaseOrTransaction,
	params: { impersonationId: string; adminUserId: string },
): Promise<ImpersonationRow | undefined> {
	const [row] = await db
		.update(schema.adminImpersonations)
		.set({ endedAt: new Date() })
		.where(
			and(
				eq(schema.adminImpersonations.id, params.impersonationId),
				eq(schema.adminImpersonations.adminUserId, params.adminUserId),
				isNull(schema.adminImpersonations.endedAt),
			),
		)
		.returning();
	return row;
}

export async function setSessionImpersonation(
	db: DatabaseOrTransaction,
	params: { sessionId: string; userId: string; impersonationId: string | null },
): Promise<void> {
	await db
		.update(schema.authSessions)
		.set({ impersonationId: params.impersonationId, activeOrganizationId: null })
		.where(and(eq(schema.authSessions.id, params.sessionId), eq(schema.authSessions.userId, params.userId)));
}
