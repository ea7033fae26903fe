import { and, count, type DatabaseOrTransaction, eq, gte, lt, schema } from "@proliferate/db";
import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";

/** At most `maxFailures` failed sign-ins per email address within `windowMinutes`. */
export const SIGN_IN_LIMIT = { maxFailures: 5, windowMinutes: 15 } as const;

async function countRecentFailures(db: DatabaseOrTransaction, email: string, since: Date): Promise<number> {
	const [row] = await db
		.select({ failures: count() })
		.from(schema.signInAttempts)
		.where(
			and(
				eq(schema.signInAttempts.email, email),
				eq(schema.signInAttempts.succeeded, false),
				gte(schema.signInAttempts.createdAt, since),
			),
		);
	return row?.failures ?? 0;
}

export async function checkSignInAllowed(
	context: ServiceContext,
	params: { email: string },
): Promise<boolean> {
	const email = params.email.trim().toLowerCase();
	if (!email) return true;
	const since = new Date(Date.now() - SIGN_IN_LIMIT.windowMinutes * 60_000);
	return (await countRecentFailures(context.db, email, since)) < SIGN_IN_LIMIT.maxFailures;
}

/** Records an attempt; a success clears the address's earlier failures. */
export async function recordSignInAttempt(
	context: ServiceContext,
	params: { email: string; succeeded: boolean; ipAddress: string | null },
): Promise<void> {
	const email = params.email.trim().toLowerCase().slice(0, 320);
	if (!email) return;
	if (params.succeeded) {
		await context.db.delete(schema.signInAttempts).where(eq(schema.signInAttempts.email, email));
		return;
	}
	await context.db.insert(schema.signInAttempts).values({
		id: generateTextId(),
		email,
		ipAddress: params.ipAddress,
		succeeded: false,
	});
	// Keep the table small: forget failures older than a day.
	await context.db
		.delete(schema.signInAttempts)
		.where(lt(schema.signInAttempts.createdAt, new Date(Date.now() - 86_400_000)));
}
