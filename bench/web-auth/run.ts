/**
 * What authentication costs per web request: resolving a session cookie (better-auth, database
 * backed, no cookie cache) plus the membership check every org-scoped procedure does, resolving an
 * API key, minting a gateway token, and one password sign-in (scrypt, deliberately slow).
 */
import { apiKeys, createDb, mail, orgs } from "@proliferate/services";
import { createAuth } from "@proliferate/services/auth";
import { signUserToken } from "@proliferate/shared/auth";
import { createMigratedDatabase } from "@proliferate/vitest-setup/databases";
import { summarize } from "../stats";

const iterations = Number(process.env.BENCH_ITERATIONS ?? 300);
const benchDatabase = await createMigratedDatabase("proliferate_bench_auth");
const database = createDb(benchDatabase.url, { max: 10 });
const services = { db: database.db };
const baseUrl = "http://localhost:3000";
const auth = createAuth({
	db: database.db,
	baseUrl,
	secret: "a".repeat(40),
	requireEmailVerification: false,
	mail: mail.createOutboxTransport(services),
	ipRateLimit: false,
});

async function timed(work: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await work();
	return performance.now() - started;
}

const post = (path: string, body: unknown) =>
	auth.handler(
		new Request(`${baseUrl}/api/auth${path}`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: baseUrl },
			body: JSON.stringify(body),
		}),
	);

try {
	const signUp = await post("/sign-up/email", {
		name: "Bench",
		email: "bench@example.test",
		password: "bench-password-1",
	});
	const { user } = (await signUp.json()) as { user: { id: string } };
	const [membership] = await orgs.listForUser(services, { userId: user.id });
	if (!membership) throw new Error("no personal organization");
	const organizationId = membership.organization.id;

	const signInSamples: number[] = [];
	let cookie = "";
	for (let index = 0; index < 10; index++) {
		signInSamples.push(
			await timed(async () => {
				const response = await post("/sign-in/email", {
					email: "bench@example.test",
					password: "bench-password-1",
				});
				cookie = response.headers
					.getSetCookie()
					.map((value) => value.split(";")[0])
					.join("; ");
			}),
		);
	}

	const sessionSamples: number[] = [];
	for (let index = 0; index < iterations; index++) {
		sessionSamples.push(
			await timed(async () => {
				const session = await auth.api.getSession({
					headers: new Headers({ cookie }),
					query: { disableCookieCache: true },
				});
				if (!session) throw new Error("session not found");
				await orgs.requireMembership(services, { organizationId, userId: session.user.id });
			}),
		);
	}

	const { secret } = await apiKeys.createApiKey(services, {
		actor: { organizationId, userId: user.id, role: "owner" },
		name: "bench",
	});
	const apiKeySamples: number[] = [];
	for (let index = 0; index < iterations; index++)
		apiKeySamples.push(await timed(() => apiKeys.authenticate(services, { key: secret })));

	const tokenSamples: number[] = [];
	for (let index = 0; index < iterations; index++)
		tokenSamples.push(await timed(() => signUserToken({ userId: user.id, organizationId }, "b".repeat(40))));

	console.log(summarize("password sign-in (scrypt + session insert)", signInSamples));
	console.log(summarize("session cookie → viewer + membership", sessionSamples));
	console.log(summarize("API key → organization + user", apiKeySamples));
	console.log(summarize("gateway token minting (HS256)", tokenSamples));
} finally {
	await database.close();
	await benchDatabase.drop();
}
