import { audit, orgs } from "@proliferate/services";
import { testSecret } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as sandboxProviders from "../gateway/sandbox-providers";
import type { TestClient, TestUser, WebHarness } from "../testing/harness";
import { createWebHarnessWithGateway, type HarnessWithGateway } from "../testing/harness-gateway";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

/**
 * `sandboxProvider.get` / `sandboxProvider.set` against the real database and a real gateway process
 * whose environment configures the local provider (the default) and E2B, but not Modal.
 */
let platform: HarnessWithGateway;
let harness: WebHarness;
let owner: TestUser;
let admin: TestUser;
let member: TestUser;
let outsider: TestUser;
let ownerClient: TestClient;
let organizationId: string;

const deploymentProviders = [
	{ type: "local", configured: true, requires: "the local provider's data directory" },
	{ type: "e2b", configured: true, requires: "E2B_API_KEY and E2B_TEMPLATE" },
	{
		type: "modal",
		configured: false,
		requires: "MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE)",
	},
];

const storedOverride = () => orgs.getSandboxProviderOverride(harness.web.services, { organizationId });

beforeAll(async () => {
	platform = await createWebHarnessWithGateway("sandbox-provider", {
		PATH: process.env.PATH,
		HOME: process.env.HOME,
		SANDBOX_PROVIDER: "local",
		E2B_API_KEY: "e2b_test_key",
		E2B_TEMPLATE: "proliferate",
	});
	harness = platform.harness;
	owner = await harness.createUser({ name: "Olga Owner", email: "olga@sandboxes.test" });
	admin = await harness.createUser({ name: "Adam Admin", email: "adam@sandboxes.test" });
	member = await harness.createUser({ name: "Mia Member", email: "mia@sandboxes.test" });
	outsider = await harness.createUser({ name: "Otto Outsider", email: "otto@elsewhere.test" });
	ownerClient = harness.clientFor(owner.headers);
	organizationId = (await ownerClient.orgs.create({ name: "Sandbox Co" })).id;
	for (const [user, role] of [
		[admin, "admin"],
		[member, "member"],
	] as const) {
		const invitation = await ownerClient.orgs.invite({ email: user.email, role });
		await harness.clientFor(user.headers).invitations.accept({ invitationId: invitation.id });
	}
}, 180_000);

afterAll(async () => {
	await platform?.close();
}, 60_000);

describe("sandbox provider procedures", () => {
	it("shows any member the deployment default and which providers the gateway has configured", async () => {
		expect(await harness.clientFor(member.headers).sandboxProvider.get()).toEqual({
			override: null,
			defaultProvider: "local",
			effectiveProvider: "local",
			providers: deploymentProviders,
		});
	});

	it("lets the owner pick a configured provider, stored for the organization and audited once", async () => {
		expect(await ownerClient.sandboxProvider.set({ provider: "e2b" })).toEqual({ override: "e2b" });
		expect(await storedOverride()).toBe("e2b");
		expect(await harness.clientFor(member.headers).sandboxProvider.get()).toMatchObject({
			override: "e2b",
			defaultProvider: "local",
			effectiveProvider: "e2b",
		});
		// Saving the same choice again changes nothing and records nothing.
		await ownerClient.sandboxProvider.set({ provider: "e2b" });
		const events = await audit.listAuditEventsUnscoped(harness.web.services, {
			action: "organization.sandbox_provider.changed",
		});
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			organizationId,
			actorUserId: owner.id,
			targetId: organizationId,
			metadata: { from: null, to: "e2b" },
		});
	});

	it("refuses a provider the deployment has not configured, naming the settings it needs", async () => {
		await expect(ownerClient.sandboxProvider.set({ provider: "modal" })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
			status: 412,
			message: expect.stringContaining(
				"an operator must set MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE)",
			),
			data: {
				code: "SANDBOX_PROVIDER_NOT_CONFIGURED",
				details: { provider: "modal", requires: deploymentProviders[2]?.requires },
			},
		});
		expect(await storedOverride()).toBe("e2b");
	});

	it("lets members read the choice but not change it, whatever they ask for", async () => {
		const memberClient = harness.clientFor(member.headers);
		for (const provider of ["local", "modal", null] as const) {
			await expect(memberClient.sandboxProvider.set({ provider })).rejects.toMatchObject({
				code: "FORBIDDEN",
				data: { code: "PERMISSION_DENIED" },
			});
		}
		expect(await storedOverride()).toBe("e2b");
		expect((await memberClient.sandboxProvider.get()).override).toBe("e2b");
	});

	it("lets admins pin a provider and go back to the deployment default with null", async () => {
		const adminClient = harness.clientFor(admin.headers);
		expect(await adminClient.sandboxProvider.set({ provider: "local" })).toEqual({ override: "local" });
		expect(await storedOverride()).toBe("local");
		expect(await adminClient.sandboxProvider.set({ provider: null })).toEqual({ override: null });
		expect(await storedOverride()).toBe(null);
		expect(await adminClient.sandboxProvider.get()).toMatchObject({
			override: null,
			effectiveProvider: "local",
		});
		const events = await audit.listAuditEventsUnscoped(harness.web.services, {
			action: "organization.sandbox_provider.changed",
			actorUserId: admin.id,
		});
		expect(events.map((event) => event.metadata)).toEqual([
			{ from: "local", to: null },
			{ from: "e2b", to: "local" },
		]);
	});

	it("validates the input", async () => {
		for (const input of [
			{ provider: "mainframe" },
			{ provider: "E2B" },
			{ provider: "" },
			{ provider: 3 },
			{},
		]) {
			await expect(
				ownerClient.sandboxProvider.set(input as { provider: "e2b" }),
				JSON.stringify(input),
			).rejects.toMatchObject({ code: "BAD_REQUEST" });
		}
		expect(await storedOverride()).toBe(null);
	});

	it("reports an unreachable gateway clearly and changes nothing; clearing needs no gateway", async () => {
		const unreachable = {
			context: harness.web.services,
			gateway: { baseUrl: "http://127.0.0.1:9", userSecret: testSecret("gateway") },
		};
		const actor = { organizationId, userId: owner.id, role: "owner" as const };
		await expect(
			sandboxProviders.chooseSandboxProvider(unreachable, { actor, provider: "e2b" }),
		).rejects.toMatchObject({
			kind: "unavailable",
			code: "GATEWAY_UNAVAILABLE",
		});
		await expect(
			sandboxProviders.getSandboxProviderSettings(unreachable, { organizationId, userId: owner.id }),
		).rejects.toMatchObject({ code: "GATEWAY_UNAVAILABLE" });
		expect(await storedOverride()).toBe(null);
		await orgs.setSandboxProviderOverride(harness.web.services, { organizationId, provider: "e2b" });
		expect(await sandboxProviders.chooseSandboxProvider(unreachable, { actor, provider: null })).toEqual({
			override: null,
		});
		expect(await storedOverride()).toBe(null);
	});
});

describe("sandbox provider security", () => {
	let fixture: SecurityFixture;
	beforeAll(async () => {
		await ownerClient.sandboxProvider.set({ provider: "e2b" });
		fixture = { owner, outsider, ids: { organizationId } };
	});

	itChecksOrgScopedSecurity(
		() => harness,
		() => fixture,
		[
			{ name: "sandboxProvider.get", call: (client) => client.sandboxProvider.get() },
			{ name: "sandboxProvider.set", call: (client) => client.sandboxProvider.set({ provider: "local" }) },
		],
	);

	it("acts only on the caller's own organization: the owner's choice is untouched by the outsider", async () => {
		expect(await storedOverride()).toBe("e2b");
		const outsiderClient = harness.clientFor(outsider.headers);
		const outsiderOrganization = (await outsiderClient.account.me()).organization.id;
		expect(outsiderOrganization).not.toBe(organizationId);
		expect(
			await orgs.getSandboxProviderOverride(harness.web.services, { organizationId: outsiderOrganization }),
		).toBe("local");
		expect(await outsiderClient.sandboxProvider.get()).toMatchObject({
			override: "local",
			effectiveProvider: "local",
		});
		expect((await ownerClient.sandboxProvider.get()).override).toBe("e2b");
	});
});
