import { audit } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";

describe("super-admin: lists and impersonation", () => {
	let harness: WebHarness;
	let superAdmin: TestUser;
	let customer: TestUser;
	beforeAll(async () => {
		harness = await createWebHarness({ superAdminEmails: ["root@platform.dev"] });
		superAdmin = await harness.createUser({ name: "Root", email: "root@platform.dev" });
		customer = await harness.createUser({ name: "Casey Customer", email: "casey@customer.dev" });
		await harness.clientFor(customer.headers).orgs.create({ name: "Customer Co" });
	});
	afterAll(async () => {
		await harness?.close();
	});

	it("refuses admin procedures to everyone else", async () => {
		const client = harness.clientFor(customer.headers);
		await expect(client.admin.users({})).rejects.toMatchObject({ code: "FORBIDDEN" });
		await expect(client.admin.organizations({})).rejects.toMatchObject({ code: "FORBIDDEN" });
		await expect(client.admin.impersonate({ userId: superAdmin.id })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(harness.clientFor().admin.users({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		await expect(client.admin.stopImpersonating()).rejects.toMatchObject({ code: "BAD_REQUEST" });
	});

	it("lists users and organizations, with search", async () => {
		const client = harness.clientFor(superAdmin.headers);
		expect((await client.account.viewer()).isSuperAdmin).toBe(true);
		const users = await client.admin.users({});
		expect(users.map((user) => user.email).sort()).toEqual(["casey@customer.dev", "root@platform.dev"]);
		expect(users.find((user) => user.email === "casey@customer.dev")?.organizations).toBe(2);
		expect((await client.admin.users({ search: "casey" })).map((user) => user.email)).toEqual([
			"casey@customer.dev",
		]);
		const organizations = await client.admin.organizations({ search: "customer" });
		expect(organizations).toEqual([expect.objectContaining({ name: "Customer Co", members: 1 })]);
	});

	it("impersonates with a banner-worthy flag and an audit row, and stops on demand", async () => {
		const client = harness.clientFor(superAdmin.headers);
		const started = await client.admin.impersonate({ userId: customer.id, reason: "support ticket 42" });
		expect(started.target.email).toBe("casey@customer.dev");

		const me = await client.account.me();
		expect(me.user.id).toBe(customer.id);
		expect(me.isSuperAdmin).toBe(false);
		expect(me.impersonation).toMatchObject({
			id: started.impersonationId,
			admin: { email: "root@platform.dev" },
		});
		// While impersonating, admin powers are off.
		await expect(client.admin.users({})).rejects.toMatchObject({ code: "FORBIDDEN" });
		// The customer's own session is unaffected.
		expect((await harness.clientFor(customer.headers).account.me()).impersonation).toBeNull();

		const startedRows = await audit.listAuditEventsUnscoped(harness.web.services, {
			action: "admin.impersonation.started",
		});
		expect(startedRows).toEqual([
			expect.objectContaining({
				actorUserId: superAdmin.id,
				targetId: customer.id,
				metadata: { impersonationId: started.impersonationId, reason: "support ticket 42" },
			}),
		]);

		await client.admin.stopImpersonating();
		const back = await client.account.me();
		expect(back.user.id).toBe(superAdmin.id);
		expect(back.impersonation).toBeNull();
		const stoppedRows = await audit.listAuditEventsUnscoped(harness.web.services, {
			action: "admin.impersonation.stopped",
		});
		expect(stoppedRows).toEqual([
			expect.objectContaining({ actorUserId: superAdmin.id, targetId: customer.id }),
		]);
		const viaProcedure = await client.admin.auditEvents({ action: "admin.impersonation.stopped" });
		expect(viaProcedure).toHaveLength(1);
	});

	it("rejects impersonating oneself or an unknown user", async () => {
		const client = harness.clientFor(superAdmin.headers);
		await expect(client.admin.impersonate({ userId: superAdmin.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});
		await expect(client.admin.impersonate({ userId: "missing-user" })).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
		expect((await client.account.me()).impersonation).toBeNull();
	});
});
