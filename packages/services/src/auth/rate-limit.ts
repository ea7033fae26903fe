import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";
import * as authDb from "./db";

/** At most `maxFailures` failed sign-ins per email address within `windowMinutes`. */
export const SIGN_IN_LIMIT = { maxFailures: 5, windowMinutes: 15 } as const;

const normalize = (email: string) => email.trim().toLowerCase().slice(0, 320);

export async function checkSignInAllowed(
	context: ServiceContext,
	params: { email: string },
): Promise<boolean> {
	const email = normalize(params.email);
	if (!email) return true;
	const since = new Date(Date.now() - SIGN_IN_LIMIT.windowMinutes * 60_000);
	return (await authDb.countRecentSignInFailures(context.db, { email, since })) < SIGN_IN_LIMIT.maxFailures;
}

/** Records an attempt; a success clears the address's earlier failures. */
export async function recordSignInAttempt(
	context: ServiceContext,
	params: { email: string; succeeded: boolean; ipAddress: string | null },
): Promise<void> {
	const email = normalize(params.email);
	if (!email) return;
	if (params.succeeded) {
		await authDb.deleteSignInAttempts(context.db, { email });
		return;
	}
	await authDb.insertSignInFailure(context.db, { id: generateTextId(), email, ipAddress: params.ipAddress });
	// Keep the table small: forget failures older than a day.
	await authDb.deleteSignInAttemptsBefore(context.db, new Date(Date.now() - 86_400_000));
}
