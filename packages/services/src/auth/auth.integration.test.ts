import { eq, schema } from "@proliferate/db";
import { createTestDatabase, type TestDatabase, testSecret } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as apiKeys from "../api-keys/index";
import { createDb, type DatabaseHandle } from "../db/client";
import { createOutboxTransport } from "../mail/transport";
import { createOrganization, createUser, listForUser } from "../orgs/service";
import { createAuth } from "./create-auth";
import { setCredentialPassword } from "./credentials";

describe("auth storage", () => {
	let database: TestDatabase;
	let handle: DatabaseHandle;
	beforeAll(async () => {
		database = await createTestDatabase();
		handle = createDb(database.url, { max: 2 });
	});
	afterAll(async () => {
		await handle?.close();
		await database?.drop();
	});

	const authFor = () =>
		createAuth({
			db: handle.db,
			baseUrl: "http://localhost:3000",
			secret: testSecret("auth"),
			requireEmailVerification: true,
			mail: createOutboxTransport({ db: handle.db }),
			ipRateLimit: false,
		});

	const signIn = (email: string, password: string) =>
		authFor().handler(
			new Request("http://localhost:3000/api/auth/sign-in/email", {
				method: "POST",
				headers: { "content-type": "application/json", origin: "http://localhost:3000" },
				body: JSON.stringify({ email, password }),
			}),
		);

	it("gives a seeded (pre-verified) user a password they can sign in with; stores only a hash", async () => {
		const context = { db: handle.db };
		const user = await createUser(context, {
			name: "Demo User",
			email: "demo@proliferate.local",
			emailVerified: true,
		});
		await setCredentialPassword(context, { userId: user.id, password: "proliferate-demo" });
		await setCredentialPassword(context, { userId: user.id, password: "proliferate-demo" });
		const accounts = await handle.db
			.select()
			.from(schema.authAccounts)
			.where(eq(schema.authAccounts.userId, user.id));
		expect(accounts).toHaveLength(1);
		expect(accounts[0]?.password).not.toContain("proliferate-demo");
		expect(accounts[0]?.password?.length).toBeGreaterThan(40);

		expect((await signIn("demo@proliferate.local", "proliferate-demo")).status).toBe(200);
		expect((await signIn("demo@proliferate.local", "wrong-password")).status).toBe(401);
	});

	it("creates a personal organization for users who sign up, with the password hashed", async () => {
		const response = await authFor().handler(
			new Request("http://localhost:3000/api/auth/sign-up/email", {
				method: "POST",
				headers: { "content-type": "application/json", origin: "http://localhost:3000" },
				body: JSON.stringify({
					name: "Grace Hopper",
					email: "grace@navy.mil",
					password: "cobol-forever-1959",
				}),
			}),
		);
		expect(response.status).toBe(200);
		const { user } = (await response.json()) as { user: { id: string } };
		const memberships = await listForUser({ db: handle.db }, { userId: user.id });
		expect(memberships).toEqual([
			expect.objectContaining({
				role: "owner",
				organization: expect.objectContaining({ name: "Grace's workspace", isPersonal: true }),
			}),
		]);
		const [account] = await handle.db
			.select()
			.from(schema.authAccounts)
			.where(eq(schema.authAccounts.userId, user.id));
		expect(account?.password).toBeTruthy();
		expect(account?.password).not.toContain("cobol-forever-1959");
	});

	it("stores API keys as SHA-256 hashes, never the key", async () => {
		const context = { db: handle.db };
		const owner = await createUser(context, { name: "Key Owner", email: "keys@owner.dev" });
		const organization = await createOrganization(context, { name: "Keyed", ownerUserId: owner.id });
		const { secret, apiKey } = await apiKeys.createApiKey(context, {
			actor: { organizationId: organization.id, userId: owner.id, role: "owner" },
			name: "ci",
		});
		const [row] = await handle.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, apiKey.id));
		expect(row?.keyHash).toBe(apiKeys.hashApiKey(secret));
		expect(JSON.stringify(row)).not.toContain(secret);
	});
});
