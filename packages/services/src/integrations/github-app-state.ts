import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { OrgScope, ServiceContext } from "../context";
import * as integrationsDb from "./db";
import { GithubAppStateError } from "./errors";

/** How long an admin has between "Install the GitHub App" and GitHub sending them back. */
export const githubAppStateLifetimeMs = 10 * 60_000;

const identifierPrefix = "github-app-install:";

interface StatePayload {
	/** organization */
	o: string;
	/** user who started the installation */
	u: string;
	/** single-use nonce (its row in auth_verifications) */
	n: string;
	/** expiry, ms since the epoch */
	e: number;
}

/** A key for these states only, derived from the deployment's secret (never the secret itself). */
function stateKey(secret: string): Buffer {
	return createHmac("sha256", secret).update("proliferate:github-app-install-state:v1").digest();
}

function sign(payload: string, secret: string): string {
	return createHmac("sha256", stateKey(secret)).update(payload).digest("base64url");
}

/**
 * The `state` for GitHub's installation page: HMAC-signed (under `secret`, e.g. AUTH_SECRET), bound to
 * the organization and the user, expiring after ten minutes, and single-use (its nonce is stored in
 * auth_verifications until consumed or expired).
 */
export async function createGithubAppState(
	context: ServiceContext,
	params: OrgScope & { userId: string; secret: string; now?: Date },
): Promise<string> {
	const now = params.now ?? new Date();
	const expiresAt = new Date(now.getTime() + githubAppStateLifetimeMs);
	const nonce = randomBytes(16).toString("base64url");
	await integrationsDb.insertVerification(context.db, {
		id: randomBytes(16).toString("hex"),
		identifier: `${identifierPrefix}${nonce}`,
		value: `${params.organizationId}:${params.userId}`,
		expiresAt,
	});
	const payload: StatePayload = {
		o: params.organizationId,
		u: params.userId,
		n: nonce,
		e: expiresAt.getTime(),
	};
	const encoded = Buffer.from(JSON.stringify(payload)).toString("base64url");
	return `${encoded}.${sign(encoded, params.secret)}`;
}

function parseState(state: string, secret: string): StatePayload {
	const [encoded = "", signature = "", ...rest] = state.split(".");
	if (!encoded || !signature || rest.length > 0) throw new GithubAppStateError("invalid");
	const expected = Buffer.from(sign(encoded, secret));
	const given = Buffer.from(signature);
	if (expected.length !== given.length || !timingSafeEqual(expected, given))
		throw new GithubAppStateError("invalid");
	try {
		const payload = JSON.parse(Buffer.from(encoded, "base64url").toString()) as Partial<StatePayload>;
		if (
			typeof payload.o !== "string" ||
			typeof payload.u !== "string" ||
			typeof payload.n !== "string" ||
			typeof payload.e !== "number"
		)
			throw new GithubAppStateError("invalid");
		return payload as StatePayload;
	} catch {
		throw new GithubAppStateError("invalid");
	}
}

/**
 * Checks a `state` GitHub sent back (signature, expiry, that `userId` started it) and spends it;
 * returns the organization it was issued for. The caller still checks the user's role there.
 */
export async function consumeGithubAppState(
	context: ServiceContext,
	params: { state: string; userId: string; secret: string; now?: Date },
): Promise<{ organizationId: string }> {
	const payload = parseState(params.state, params.secret);
	const now = params.now ?? new Date();
	if (payload.e <= now.getTime()) throw new GithubAppStateError("expired");
	if (payload.u !== params.userId) throw new GithubAppStateError("wrong_user");
	const spent = await integrationsDb.deleteUnexpiredVerification(context.db, {
		identifier: `${identifierPrefix}${payload.n}`,
		value: `${payload.o}:${payload.u}`,
		now,
	});
	if (!spent) throw new GithubAppStateError("used");
	return { organizationId: payload.o };
}
