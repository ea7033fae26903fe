import { type DatabaseOrTransaction, eq, schema } from "@proliferate/db";

export type { EnvFileSpec, ServiceCommand } from "@proliferate/db/schema";
export type RepoConfigRow = typeof schema.repoConfigs.$inferSelect;

export async function findRepoConfig(
	db: DatabaseOrTransaction,
	params: { repoId: string },
): Promise<RepoConfigRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.repoConfigs)
		.where(eq(schema.repoConfigs.repoId, params.repoId));
	return row;
}

/** Inserts the repository's configuration or replaces the given parts of it. */
export async function upsertRepoConfig(
	db: DatabaseOrTransaction,
	params: { repoId: string; organizationId: string },
	changes: Partial<Pick<typeof schema.repoConfigs.$inferInsert, "serviceCommands" | "envFiles">>,
): Promise<void> {
	await db
		.insert(schema.repoConfigs)
		.values({ repoId: params.repoId, organizationId: params.organizationId, ...changes })
		.onConflictDoUpdate({ target: schema.repoConfigs.repoId, set: { ...changes, updatedAt: new Date() } });
}
