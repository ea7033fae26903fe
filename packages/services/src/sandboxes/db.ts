import { and, type DatabaseOrTransaction, eq, schema } from "@proliferate/db";

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
