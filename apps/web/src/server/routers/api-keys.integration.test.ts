import { verifyGatewayToken } from "@proliferate/shared/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";

describe("API keys", () => {
	let harness: WebHarness;
	let owner: TestUser;
	let organizationId: string;
	beforeAll(async () => {
		harness = await createWebHarness();
		owner = await harness.createUser({ email: "keys@acme.dev" });
		organizationId = (await harness.clientFor(owner.headers).orgs.create({ name: "Keys Inc" })).id;
	});
	afterAll(async () => {
		await harness?.close();
	});

	const bearer = (secret: string) => new Headers({ authorization: `Bearer ${secret}` });

	it("creates a key shown once, lists only its prefix, and authenticates API calls with it", async () => {
		const client = harness.clientFor(owner.headers);
		const { apiKey, secret } = await client.apiKeys.create({ name: "CI" });
		expect(secret).toMatch(/^pk_[A-Za-z0-9_-]{40,}$/);
		expect(secret.startsWith(apiKey.prefix)).toBe(true);
		expect(apiKey.lastUsedAt).toBeNull();
		const listed = await client.apiKeys.list();
		expect(listed).toHaveLength(1);
		expect(JSON.stringify(listed)).not.toContain(secret);
		expect(JSON.stringify(listed)).not.toContain(secret.slice(apiKey.prefix.length));

		const viaKey = harness.clientFor(bearer(secret));
		const me = await viaKey.account.me();
		expect(me).toMatchObject({
			via: "api_key",
			organization: { id: organizationId },
			role: "owner",
			user: { id: owner.id },
		});
		expect((await client.apiKeys.list())[0]?.lastUsedAt).not.toBeNull();

		// Usable for the gateway: exchange for a gateway token scoped to the key's organization.
		const { token } = await viaKey.account.gatewayToken({});
		const principal = await verifyGatewayToken(token, {
			userSecret: harness.env.GATEWAY_JWT_SECRET,
			serviceSecret: harness.env.SERVICE_TO_SERVICE_SECRET,
		});
		expect(principal).toMatchObject({ kind: "user", organizationId, userId: owner.id });
		// A key is bound to its organization: it cannot switch.
		await expect(viaKey.orgs.switch({ organizationId })).rejects.toMatchObject({ code: "BAD_REQUEST" });
	});

	it("rejects revoked, unknown and malformed keys with 401", async () => {
		const client = harness.clientFor(owner.headers);
		const { apiKey, secret } = await client.apiKeys.create({ name: "temporary" });
		await harness.clientFor(bearer(secret)).account.me();
		await client.apiKeys.revoke({ apiKeyId: apiKey.id });
		await expect(harness.clientFor(bearer(secret)).account.me()).rejects.toMatchObject({
			code: "UNAUTHORIZED",
		});
		await expect(client.apiKeys.revoke({ apiKeyId: apiKey.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
		expect((await client.apiKeys.list()).find((key) => key.id === apiKey.id)?.revokedAt).not.toBeNull();
		for (const wrong of [`${secret}x`, "pk_unknown", "not-a-key", `pk_${"a".repeat(500)}`]) {
			await expect(harness.clientFor(bearer(wrong)).account.me()).rejects.toMatchObject({
				code: "UNAUTHORIZED",
			});
		}
		await expect(client.apiKeys.create({ name: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
	});

	it("stops working when its creator leaves the organization", async () => {
		const ownerClient = harness.clientFor(owner.headers);
		const admin = await harness.createUser({ email: "admin@acme.dev" });
		const invitation = await ownerClient.orgs.invite({ email: admin.email, role: "admin" });
		await harness.clientFor(admin.headers).invitations.accept({ invitationId: invitation.id });
		const { secret } = await harness.clientFor(admin.headers).apiKeys.create({ name: "admin key" });
		expect((await harness.clientFor(bearer(secret)).account.me()).role).toBe("admin");
		await ownerClient.orgs.removeMember({ userId: admin.id });
		await expect(harness.clientFor(bearer(secret)).account.me()).rejects.toMatchObject({
			code: "UNAUTHORIZED",
		});
	});
});
