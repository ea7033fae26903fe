import { and, count, type DatabaseOrTransaction, eq, gte, lt, schema } from "@proliferate/db";

/** The platform's tables behind better-auth's models (its Drizzle adapter queries them). */
export const betterAuthTables = {
	user: schema.users,
	session: schema.authSessions,
	account: schema.authAccounts,
	verification: schema.authVerifications,
};

export async function countRecentSignInFailures(
	db: DatabaseOrTransaction,
	params: { email: string; since: Date },
): Promise<number> {
	const [row] = await db
		.select({ failures: count() })
		.from(schema.signInAttempts)
		.where(
			and(
				eq(schema.signInAttempts.email, params.email),
				eq(schema.signInAttempts.succeeded, false),
				gte(schema.signInAttempts.createdAt, params.since),
			),
		);
	return row?.failures ?? 0;
}

export async function insertSignInFailure(
	db: DatabaseOrTransaction,
	values: { id: string; email: string; ipAddress: string | null },
): Promise<void> {
	await db.insert(schema.signInAttempts).values({ ...values, succeeded: false });
}

export async function deleteSignInAttempts(
	db: DatabaseOrTransaction,
	params: { email: string },
): Promise<void> {
	await db.delete(schema.signInAttempts).where(eq(schema.signInAttempts.email, params.email));
}

export async function deleteSignInAttemptsBefore(db: DatabaseOrTransaction, before: Date): Promise<void> {
	await db.delete(schema.signInAttempts).where(lt(schema.signInAttempts.createdAt, before));
}

export async function findCredentialAccountId(
	db: DatabaseOrTransaction,
	params: { userId: string },
): Promise<string | undefined> {
	const [row] = await db
		.select({ id: schema.authAccounts.id })
		.from(schema.authAccounts)
		.where(
			and(eq(schema.authAccounts.userId, params.userId), eq(schema.authAccounts.providerId, "credential")),
		);
	return row?.id;
}

export async function updateAccountPassword(
	db: DatabaseOrTransaction,
	params: { accountId: string; passwordHash: string },
): Promise<void> {
	await db
		.update(schema.authAccounts)
		.set({ password: params.passwordHash })
		.where(eq(schema.authAccounts.id, params.accountId));
}

export async function insertCredentialAccount(
	db: DatabaseOrTransaction,
	values: { id: string; userId: string; passwordHash: string },
): Promise<void> {
	await db.insert(schema.authAccounts).values({
		id: values.id,
		userId: values.userId,
		accountId: values.userId,
		providerId: "credential",
		password: values.passwordHash,
	});
}
