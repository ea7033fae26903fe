import { and, asc, type DatabaseOrTransaction, eq, ilike, schema } from "@proliferate/db";

export type RepoRow = typeof schema.repos.$inferSelect;

/** Inserts a repository; undefined when the organization already has one of that name. */
export async function insertRepo(
	db: DatabaseOrTransaction,
	values: typeof schema.repos.$inferInsert,
): Promise<RepoRow | undefined> {
	const [row] = await db
		.insert(schema.repos)
		.values(values)
		.onConflictDoNothing({ target: [schema.repos.organizationId, schema.repos.name] })
		.returning();
	return row;
}

export async function findRepo(
	db: DatabaseOrTransaction,
	params: { organizationId: string; repoId: string },
): Promise<RepoRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.repos)
		.where(and(eq(schema.repos.organizationId, params.organizationId), eq(schema.repos.id, params.repoId)));
	return row;
}

export async function findRepoByName(
	db: DatabaseOrTransaction,
	params: { organizationId: string; name: string },
): Promise<RepoRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.repos)
		.where(and(eq(schema.repos.organizationId, params.organizationId), eq(schema.repos.name, params.name)));
	return row;
}

export async function listRepos(
	db: DatabaseOrTransaction,
	params: { organizationId: string; search?: string },
): Promise<RepoRow[]> {
	const conditions = [eq(schema.repos.organizationId, params.organizationId)];
	if (params.search) {
		const escaped = params.search.replace(/[\\%_]/g, (character) => `\\${character}`);
		conditions.push(ilike(schema.repos.name, `%${escaped}%`));
	}
	return db
		.select()
		.from(schema.repos)
		.where(and(...conditions))
		.orderBy(asc(schema.repos.name));
}

export async function deleteRepo(
	db: DatabaseOrTransaction,
	params: { organizationId: string; repoId: string },
): Promise<boolean> {
	const rows = await db
		.delete(schema.repos)
		.where(and(eq(schema.repos.organizationId, params.organizationId), eq(schema.repos.id, params.repoId)))
		.returning({ id: schema.repos.id });
	return rows.length > 0;
}
