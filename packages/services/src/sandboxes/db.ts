import { and, type DatabaseOrTransaction, eq, inArray, ne, schema } from "@proliferate/db";

export type SandboxRow = typeof schema.sandboxes.$inferSelect;

export async function insertSandbox(
	db: DatabaseOrTransaction,
	values: typeof schema.sandboxes.$inferInsert,
): Promise<SandboxRow> {
	const [row] = await db.insert(schema.sandboxes).values(values).returning();
	if (!row) throw new Error("insert into sandboxes returned no row");
	return row;
}

export async function updateSandbox(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sandboxId: string },
	values: Partial<typeof schema.sandboxes.$inferInsert>,
): Promise<SandboxRow | undefined> {
	const [row] = await db
		.update(schema.sandboxes)
		.set(values)
		.where(
			and(
				eq(schema.sandboxes.organizationId, params.organizationId),
				eq(schema.sandboxes.id, params.sandboxId),
			),
		)
		.returning();
	return row;
}

export async function findSandbox(
	db: DatabaseOrTransaction,
	params: { organizationId: string; sandboxId: string },
): Promise<SandboxRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.sandboxes)
		.where(
			and(
				eq(schema.sandboxes.organizationId, params.organizationId),
				eq(schema.sandboxes.id, params.sandboxId),
			),
		);
	return row;
}

/** Every sandbox record not yet terminated, with its session's status (null: no session row). */
export async function listUnterminatedWithSessionUnscoped(db: DatabaseOrTransaction) {
	return db
		.select({
			sandbox: schema.sandboxes,
			sessionStatus: schema.sessions.status,
			sessionOrganizationId: schema.sessions.organizationId,
			sessionSandboxId: schema.sessions.sandboxId,
		})
		.from(schema.sandboxes)
		.leftJoin(schema.sessions, eq(schema.sessions.id, schema.sandboxes.sessionId))
		.where(ne(schema.sandboxes.state, "terminated"))
		.orderBy(schema.sandboxes.createdAt);
}

/** The provider ids among `providerSandboxIds` that some record (in any state) names. */
export async function findKnownProviderIdsUnscoped(
	db: DatabaseOrTransaction,
	params: { provider: SandboxRow["provider"]; providerSandboxIds: string[] },
): Promise<string[]> {
	if (params.providerSandboxIds.length === 0) return [];
	const rows = await db
		.select({ providerSandboxId: schema.sandboxes.providerSandboxId })
		.from(schema.sandboxes)
		.where(
			and(
				eq(schema.sandboxes.provider, params.provider),
				inArray(schema.sandboxes.providerSandboxId, params.providerSandboxIds),
			),
		);
	return rows.map((row) => row.providerSandboxId);
}

/** Compare-and-set: changes the state only while the record is not terminated; the row when it did. */
export async function retireSandboxUnscoped(
	db: DatabaseOrTransaction,
	params: { sandboxId: string },
	values: Pick<typeof schema.sandboxes.$inferInsert, "state" | "stateReason" | "terminatedAt">,
): Promise<SandboxRow | undefined> {
	const [row] = await db
		.update(schema.sandboxes)
		.set(values)
		.where(and(eq(schema.sandboxes.id, params.sandboxId), ne(schema.sandboxes.state, "terminated")))
		.returning();
	return row;
}
