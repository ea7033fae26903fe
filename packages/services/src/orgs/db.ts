import { and, asc, type DatabaseOrTransaction, eq, schema } from "@proliferate/db";

export type OrganizationRow = typeof schema.organizations.$inferSelect;
export type MemberRow = typeof schema.members.$inferSelect;
export type UserRow = typeof schema.users.$inferSelect;

export async function insertUser(
	db: DatabaseOrTransaction,
	values: typeof schema.users.$inferInsert,
): Promise<UserRow> {
	const [row] = await db.insert(schema.users).values(values).returning();
	if (!row) throw new Error("insert into users returned no row");
	return row;
}

/** Unscoped on purpose: looks a user up by email (sign-in, invitations). */
export async function findUserByEmailUnscoped(
	db: DatabaseOrTransaction,
	email: string,
): Promise<UserRow | undefined> {
	const [row] = await db.select().from(schema.users).where(eq(schema.users.email, email.toLowerCase()));
	return row;
}

export async function findUserById(db: DatabaseOrTransaction, userId: string): Promise<UserRow | undefined> {
	const [row] = await db.select().from(schema.users).where(eq(schema.users.id, userId));
	return row;
}

export async function insertOrganization(
	db: DatabaseOrTransaction,
	values: typeof schema.organizations.$inferInsert,
): Promise<OrganizationRow> {
	const [row] = await db.insert(schema.organizations).values(values).returning();
	if (!row) throw new Error("insert into organizations returned no row");
	return row;
}

export async function isSlugTaken(db: DatabaseOrTransaction, slug: string): Promise<boolean> {
	const rows = await db
		.select({ id: schema.organizations.id })
		.from(schema.organizations)
		.where(eq(schema.organizations.slug, slug));
	return rows.length > 0;
}

export async function insertMember(
	db: DatabaseOrTransaction,
	values: typeof schema.members.$inferInsert,
): Promise<MemberRow> {
	const [row] = await db.insert(schema.members).values(values).returning();
	if (!row) throw new Error("insert into members returned no row");
	return row;
}

/** The organization, only if `userId` is a member of it. */
export async function findOrganizationForMember(
	db: DatabaseOrTransaction,
	params: { organizationId: string; userId: string },
): Promise<{ organization: OrganizationRow; member: MemberRow } | undefined> {
	const [row] = await db
		.select({ organization: schema.organizations, member: schema.members })
		.from(schema.members)
		.innerJoin(schema.organizations, eq(schema.organizations.id, schema.members.organizationId))
		.where(
			and(eq(schema.members.organizationId, params.organizationId), eq(schema.members.userId, params.userId)),
		);
	return row;
}

export async function listOrganizationsForUser(
	db: DatabaseOrTransaction,
	params: { userId: string },
): Promise<{ organization: OrganizationRow; member: MemberRow }[]> {
	return db
		.select({ organization: schema.organizations, member: schema.members })
		.from(schema.members)
		.innerJoin(schema.organizations, eq(schema.organizations.id, schema.members.organizationId))
		.where(eq(schema.members.userId, params.userId))
		.orderBy(asc(schema.organizations.createdAt));
}

export async function listMembers(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<{ member: MemberRow; user: UserRow }[]> {
	return db
		.select({ member: schema.members, user: schema.users })
		.from(schema.members)
		.innerJoin(schema.users, eq(schema.users.id, schema.members.userId))
		.where(eq(schema.members.organizationId, params.organizationId))
		.orderBy(asc(schema.members.createdAt));
}

export type SandboxProviderOverride = "local" | "e2b" | "modal";

export async function findSandboxProviderOverride(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<SandboxProviderOverride | null> {
	const [row] = await db
		.select({ sandboxProvider: schema.organizationSettings.sandboxProvider })
		.from(schema.organizationSettings)
		.where(eq(schema.organizationSettings.organizationId, params.organizationId));
	return row?.sandboxProvider ?? null;
}

export async function upsertSandboxProviderOverride(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sandboxProvider: SandboxProviderOverride | null },
): Promise<void> {
	await db
		.insert(schema.organizationSettings)
		.values({ organizationId: params.organizationId, sandboxProvider: params.sandboxProvider })
		.onConflictDoUpdate({
			target: schema.organizationSettings.organizationId,
			set: { sandboxProvider: params.sandboxProvider, updatedAt: new Date() },
		});
}
