import { hashPassword } from "better-auth/crypto";
import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";
import * as authDb from "./db";

/**
 * Gives a user an email + password login (better-auth's "credential" account), replacing any
 * earlier password. The password is stored only as better-auth's scrypt hash. Used by the demo seed.
 */
export async function setCredentialPassword(
	context: ServiceContext,
	params: { userId: string; password: string },
): Promise<void> {
	const passwordHash = await hashPassword(params.password);
	const accountId = await authDb.findCredentialAccountId(context.db, params);
	if (accountId) await authDb.updateAccountPassword(context.db, { accountId, passwordHash });
	else
		await authDb.insertCredentialAccount(context.db, {
			id: generateTextId(),
			userId: params.userId,
			passwordHash,
		});
}
