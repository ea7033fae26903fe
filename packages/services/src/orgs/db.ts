import {
	and,
	asc,
	count,
	type DatabaseOrTransaction,
	desc,
	eq,
	isNotNull,
	schema,
	sql,
} from "@proliferate/db";
import type { InvitationStatus, MemberRole } from "@proliferate/db/schema";

export type { InvitationStatus, MemberRole };

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
export type InvitationRow = typeof schema.invitations.$inferSelect;

export async function updateSessionActiveOrganization(
	db: DatabaseOrTransaction,
	params: { sessionId: string; organizationId: string | null },
): Promise<void> {
	await db
		.update(schema.authSessions)
		.set({ activeOrganizationId: params.organizationId })
		.where(eq(schema.authSessions.id, params.sessionId));
}

export async function findMember(
	db: DatabaseOrTransaction,
	params: { organizationId: string; userId: string },
): Promise<MemberRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.members)
		.where(
			and(eq(schema.members.organizationId, params.organizationId), eq(schema.members.userId, params.userId)),
		);
	return row;
}

export async function countOwners(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<number> {
	const [row] = await db
		.select({ owners: count() })
		.from(schema.members)
		.where(and(eq(schema.members.organizationId, params.organizationId), eq(schema.members.role, "owner")));
	return row?.owners ?? 0;
}

export async function deleteMember(
	db: DatabaseOrTransaction,
	params: { organizationId: string; userId: string },
): Promise<void> {
	await db
		.delete(schema.members)
		.where(
			and(eq(schema.members.organizationId, params.organizationId), eq(schema.members.userId, params.userId)),
		);
}

export async function updateMemberRole(
	db: DatabaseOrTransaction,
	params: { organizationId: string; userId: string; role: MemberRole },
): Promise<void> {
	await db
		.update(schema.members)
		.set({ role: params.role })
		.where(
			and(eq(schema.members.organizationId, params.organizationId), eq(schema.members.userId, params.userId)),
		);
}

export async function updateOrganizationName(
	db: DatabaseOrTransaction,
	params: { organizationId: string; name: string },
): Promise<OrganizationRow | undefined> {
	const [row] = await db
		.update(schema.organizations)
		.set({ name: params.name })
		.where(eq(schema.organizations.id, params.organizationId))
		.returning();
	return row;
}

export async function insertInvitation(
	db: DatabaseOrTransaction,
	values: typeof schema.invitations.$inferInsert,
): Promise<InvitationRow> {
	const [row] = await db.insert(schema.invitations).values(values).returning();
	if (!row) throw new Error("insert into invitations returned no row");
	return row;
}

/** Unscoped on purpose: the invitation id is the secret link token the invitee holds. */
export async function findInvitationUnscoped(
	db: DatabaseOrTransaction,
	invitationId: string,
	options: { lockForUpdate?: boolean } = {},
): Promise<{ invitation: InvitationRow; organization: OrganizationRow; inviter: UserRow } | undefined> {
	const query = db
		.select({ invitation: schema.invitations, organization: schema.organizations, inviter: schema.users })
		.from(schema.invitations)
		.innerJoin(schema.organizations, eq(schema.organizations.id, schema.invitations.organizationId))
		.innerJoin(schema.users, eq(schema.users.id, schema.invitations.inviterId))
		.where(eq(schema.invitations.id, invitationId));
	// Inside a transaction, answering an invitation locks its row so concurrent answers queue up.
	const [row] = options.lockForUpdate ? await query.for("update", { of: schema.invitations }) : await query;
	return row;
}

export async function listPendingInvitations(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<InvitationRow[]> {
	return db
		.select()
		.from(schema.invitations)
		.where(
			and(
				eq(schema.invitations.organizationId, params.organizationId),
				eq(schema.invitations.status, "pending"),
			),
		)
		.orderBy(desc(schema.invitations.createdAt));
}

/** Unscoped on purpose: pending invitations addressed to the signed-in user's own email. */
export async function listPendingInvitationsForEmailUnscoped(
	db: DatabaseOrTransaction,
	email: string,
): Promise<{ invitation: InvitationRow; organization: OrganizationRow }[]> {
	return db
		.select({ invitation: schema.invitations, organization: schema.organizations })
		.from(schema.invitations)
		.innerJoin(schema.organizations, eq(schema.organizations.id, schema.invitations.organizationId))
		.where(and(eq(schema.invitations.email, email), eq(schema.invitations.status, "pending")))
		.orderBy(desc(schema.invitations.createdAt));
}

export async function updateInvitationStatus(
	db: DatabaseOrTransaction,
	params: { invitationId: string; organizationId: string; status: InvitationStatus },
): Promise<void> {
	await db
		.update(schema.invitations)
		.set({ status: params.status })
		.where(
			and(
				eq(schema.invitations.id, params.invitationId),
				eq(schema.invitations.organizationId, params.organizationId),
			),
		);
}

/** Unscoped on purpose: organizations that let verified addresses of `domain` join (email-domain suggestions). */
export async function listOrganizationsForJoinDomainUnscoped(
	db: DatabaseOrTransaction,
	domain: string,
): Promise<OrganizationRow[]> {
	const rows = await db
		.select({ organization: schema.organizations })
		.from(schema.organizationSettings)
		.innerJoin(schema.organizations, eq(schema.organizations.id, schema.organizationSettings.organizationId))
		.where(sql`${schema.organizationSettings.settings}->>'joinEmailDomain' = ${domain}`);
	return rows.map((row) => row.organization);
}

export async function findOrganizationSettings(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<Record<string, unknown>> {
	const [row] = await db
		.select()
		.from(schema.organizationSettings)
		.where(eq(schema.organizationSettings.organizationId, params.organizationId));
	return row?.settings ?? {};
}

export async function upsertOrganizationSettings(
	db: DatabaseOrTransaction,
	params: { organizationId: string; settings: Record<string, unknown> },
): Promise<void> {
	await db
		.insert(schema.organizationSettings)
		.values({ organizationId: params.organizationId, settings: params.settings })
		.onConflictDoUpdate({
			target: schema.organizationSettings.organizationId,
			set: { settings: params.settings },
		});
}

/** The organization the user's most recently used browser session had selected. */
export async function findLastActiveOrganizationId(
	db: DatabaseOrTransaction,
	params: { userId: string },
): Promise<string | undefined> {
	const [row] = await db
		.select({ organizationId: schema.authSessions.activeOrganizationId })
		.from(schema.authSessions)
		.where(
			and(eq(schema.authSessions.userId, params.userId), isNotNull(schema.authSessions.activeOrganizationId)),
		)
		.orderBy(desc(schema.authSessions.updatedAt))
		.limit(1);
	return row?.organizationId ?? undefined;
}
