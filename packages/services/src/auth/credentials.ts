import { and, eq, schema } from "@proliferate/db";
import { hashPassword } from "better-auth/crypto";
import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";

/**
 * Gives a user an email + password login (better-auth's "credential" account), replacing any
 * earlier password. The password is stored only as better-auth's scrypt hash. Used by the demo seed.
 */
export async function setCredentialPassword(
	context: ServiceContext,
	params: { userId: string; password: string },
): Promise<void> {
	const password = await hashPassword(params.password);
	const where = and(
		eq(schema.authAccounts.userId, params.userId),
		eq(schema.authAccounts.providerId, "credential"),
	);
	const [existing] = await context.db
		.select({ id: schema.authAccounts.id })
		.from(schema.authAccounts)
		.where(where);
	if (existing) {
		await context.db
			.update(schema.authAccounts)
			.set({ password })
			.where(eq(schema.authAccounts.id, existing.id));
		return;
	}
	await context.db.insert(schema.authAccounts).values({
		id: generateTextId(),
		userId: params.userId,
		accountId: params.userId,
		providerId: "credential",
		password,
	});
}
