import { count, type DatabaseOrTransaction, eq, schema } from "@proliferate/db";

export type OnboardingRow = typeof schema.onboardingStates.$inferSelect;

export async function findOnboarding(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<OnboardingRow | undefined> {
	const [row] = await db
		.select()
		.from(schema.onboardingStates)
		.where(eq(schema.onboardingStates.organizationId, params.organizationId));
	return row;
}

export async function upsertOnboarding(
	db: DatabaseOrTransaction,
	params: { organizationId: string } & Partial<
		Omit<typeof schema.onboardingStates.$inferInsert, "organizationId">
	>,
): Promise<void> {
	const { organizationId, ...changes } = params;
	await db
		.insert(schema.onboardingStates)
		.values({ organizationId, ...changes })
		.onConflictDoUpdate({
			target: schema.onboardingStates.organizationId,
			set: { ...changes, updatedAt: new Date() },
		});
}

export async function countRepos(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<number> {
	const [row] = await db
		.select({ repos: count() })
		.from(schema.repos)
		.where(eq(schema.repos.organizationId, params.organizationId));
	return row?.repos ?? 0;
}

export async function countSessions(
	db: DatabaseOrTransaction,
	params: { organizationId: string },
): Promise<number> {
	const [row] = await db
		.select({ sessions: count() })
		.from(schema.sessions)
		.where(eq(schema.sessions.organizationId, params.organizationId));
	return row?.sessions ?? 0;
}
