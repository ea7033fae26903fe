import { Writable } from "node:stream";
import { createLogger } from "@proliferate/logger";
import { orgs } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

/**
 * The hostile cases of auth-orgs.md § Threat and fault model that the feature tests do not cover:
 * the shared security cases for the remaining org-scoped procedures, role escalation, replayed and
 * concurrent invitation answers, oversized input, and credentials kept out of the logs.
 */
describe("auth-orgs: hostile callers", () => {
	let harness: WebHarness;
	let owner: TestUser;
	let admin: TestUser;
	let member: TestUser;
	let outsider: TestUser;
	let organizationId: string;
	let fixture: SecurityFixture;
	const lines: string[] = [];

	beforeAll(async () => {
		const destination = new Writable({
			write(chunk, _encoding, done) {
				lines.push(String(chunk));
				done();
			},
		});
		harness = await createWebHarness({
			logger: createLogger({ service: "web", level: "debug", destination }),
		});
		owner = await harness.createUser({ email: "owner@hostile.dev" });
		admin = await harness.createUser({ email: "admin@hostile.dev" });
		member = await harness.createUser({ email: "member@hostile.dev" });
		outsider = await harness.createUser({ email: "outsider@elsewhere.dev" });
		const ownerClient = harness.clientFor(owner.headers);
		organizationId = (await ownerClient.orgs.create({ name: "Hostile" })).id;
		await orgs.addMember(harness.web.services, { organizationId, userId: admin.id, role: "admin" });
		await orgs.addMember(harness.web.services, { organizationId, userId: member.id, role: "member" });
		for (const user of [admin, member]) await harness.clientFor(user.headers).orgs.switch({ organizationId });
		await ownerClient.orgs.setJoinEmailDomain({ domain: "hostile.dev" });
		const invitation = await ownerClient.orgs.invite({ email: "guest@hostile.dev", role: "member" });
		const apiKey = await ownerClient.apiKeys.create({ name: "owner-key" });
		// The outsider owns a team organization of their own, so their calls can succeed there.
		await harness.clientFor(outsider.headers).orgs.create({ name: "Elsewhere" });
		fixture = {
			owner,
			outsider,
			ids: {
				organizationId,
				invitationId: invitation.id,
				apiKeyId: apiKey.apiKey.id,
				ownerUserId: owner.id,
			},
		};
	});
	afterAll(async () => {
		await harness?.close();
	});

	describe("procedures the organization tests leave out", () => {
		itChecksOrgScopedSecurity(
			() => harness,
			() => fixture,
			[
				{ name: "account.viewer", call: (client) => client.account.viewer() },
				{
					name: "orgs.invite",
					call: (client) => client.orgs.invite({ email: "guest@hostile.dev", role: "member" }),
				},
				{
					name: "orgs.setJoinEmailDomain",
					call: (client) => client.orgs.setJoinEmailDomain({ domain: null }),
				},
				{ name: "orgs.domainSuggestions", call: (client) => client.orgs.domainSuggestions() },
				{ name: "invitations.mine", call: (client) => client.invitations.mine() },
				{
					name: "invitations.decline",
					call: (client, f) => client.invitations.decline({ invitationId: f.ids.invitationId ?? "" }),
				},
				{ name: "apiKeys.create", call: (client) => client.apiKeys.create({ name: "outsider-key" }) },
				{ name: "onboarding.dismiss", call: (client) => client.onboarding.dismiss() },
			],
		);

		it("left the owner's organization untouched", async () => {
			const client = harness.clientFor(owner.headers);
			const organization = await client.orgs.get();
			expect(organization.invitations.map((invitation) => invitation.id)).toEqual([fixture.ids.invitationId]);
			expect(organization.invitations[0]?.status).toBe("pending");
			expect(organization.joinEmailDomain).toBe("hostile.dev");
			expect((await client.apiKeys.list()).map((key) => key.name)).toEqual(["owner-key"]);
			expect((await client.onboarding.get()).dismissed).toBe(false);
		});
	});

	it("refuses members the admin actions and admins the owner actions, changing nothing", async () => {
		const memberClient = harness.clientFor(member.headers);
		const adminClient = harness.clientFor(admin.headers);
		const refusals: [string, () => Promise<unknown>][] = [
			["member renames", () => memberClient.orgs.rename({ name: "Taken over" })],
			[
				"member revokes the owner's key",
				() => memberClient.apiKeys.revoke({ apiKeyId: fixture.ids.apiKeyId ?? "" }),
			],
			[
				"member cancels an invitation",
				() => memberClient.orgs.cancelInvitation({ invitationId: fixture.ids.invitationId ?? "" }),
			],
			["member promotes themself", () => memberClient.orgs.changeRole({ userId: member.id, role: "admin" })],
			["member removes the admin", () => memberClient.orgs.removeMember({ userId: admin.id })],
			["member sets domain joining", () => memberClient.orgs.setJoinEmailDomain({ domain: null })],
			["admin sets domain joining", () => adminClient.orgs.setJoinEmailDomain({ domain: null })],
			["admin invites an owner", () => adminClient.orgs.invite({ email: "boss@hostile.dev", role: "owner" })],
			["admin makes a member owner", () => adminClient.orgs.changeRole({ userId: member.id, role: "owner" })],
			["admin promotes themself", () => adminClient.orgs.changeRole({ userId: admin.id, role: "owner" })],
			["admin removes the owner", () => adminClient.orgs.removeMember({ userId: owner.id })],
		];
		for (const [label, call] of refusals)
			await expect(call(), label).rejects.toMatchObject({ code: "FORBIDDEN" });

		const organization = await harness.clientFor(owner.headers).orgs.get();
		expect(organization.organization.name).toBe("Hostile");
		expect(organization.joinEmailDomain).toBe("hostile.dev");
		expect(Object.fromEntries(organization.members.map((entry) => [entry.user.email, entry.role]))).toEqual({
			"owner@hostile.dev": "owner",
			"admin@hostile.dev": "admin",
			"member@hostile.dev": "member",
		});
		expect(organization.invitations.map((invitation) => invitation.email)).toEqual(["guest@hostile.dev"]);
		expect((await harness.clientFor(owner.headers).apiKeys.list())[0]?.revokedAt).toBeNull();
	});

	it("answers an invitation once: a replayed accept is refused and adds no second membership", async () => {
		const invitee = await harness.createUser({ email: "replay@hostile.dev" });
		const invitation = await harness.clientFor(owner.headers).orgs.invite({ email: invitee.email });
		const client = harness.clientFor(invitee.headers);
		await client.invitations.accept({ invitationId: invitation.id });
		await expect(client.invitations.accept({ invitationId: invitation.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});
		await expect(client.invitations.decline({ invitationId: invitation.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});
		const members = (await harness.clientFor(owner.headers).orgs.get()).members;
		expect(members.filter((entry) => entry.user.email === invitee.email)).toHaveLength(1);
	});

	it("settles concurrent answers to one invitation: one wins, the other is refused cleanly", async () => {
		for (const [first, second] of [
			["accept", "accept"],
			["accept", "decline"],
		] as const) {
			const invitee = await harness.createUser({ email: `race-${first}-${second}@hostile.dev` });
			const invitation = await harness.clientFor(owner.headers).orgs.invite({ email: invitee.email });
			const client = harness.clientFor(invitee.headers);
			const answer = (kind: "accept" | "decline") =>
				kind === "accept"
					? client.invitations.accept({ invitationId: invitation.id })
					: client.invitations.decline({ invitationId: invitation.id });
			const results = await Promise.allSettled([answer(first), answer(second)]);
			const label = `${first} + ${second}`;
			expect(
				results.filter((result) => result.status === "fulfilled"),
				label,
			).toHaveLength(1);
			const refused = results.find((result) => result.status === "rejected");
			expect(refused?.status === "rejected" ? refused.reason : undefined, label).toMatchObject({
				code: "PRECONDITION_FAILED",
			});
			const organization = await harness.clientFor(owner.headers).orgs.get();
			const memberships = organization.members.filter((entry) => entry.user.email === invitee.email);
			const details = await client.invitations.get({ invitationId: invitation.id });
			// The invitation's final status matches what happened to the membership.
			expect(memberships.length === 1 ? "accepted" : "rejected", label).toBe(details.status);
			expect(memberships.length, label).toBeLessThanOrEqual(1);
		}
	});

	it("refuses oversized and malformed input with 400, creating nothing", async () => {
		const client = harness.clientFor(owner.headers);
		const huge = "x".repeat(100_000);
		const before = (await client.orgs.list()).length;
		const calls: [string, () => Promise<unknown>][] = [
			["orgs.create huge name", () => client.orgs.create({ name: huge })],
			["orgs.create blank name", () => client.orgs.create({ name: "  " })],
			["orgs.rename huge name", () => client.orgs.rename({ name: huge })],
			["orgs.invite huge email", () => client.orgs.invite({ email: `${huge}@hostile.dev` })],
			["orgs.invite not an email", () => client.orgs.invite({ email: "not-an-email" })],
			[
				"orgs.invite unknown role",
				() => client.orgs.invite({ email: "x@hostile.dev", role: "god" as "member" }),
			],
			["orgs.switch huge id", () => client.orgs.switch({ organizationId: huge })],
			["orgs.setJoinEmailDomain huge", () => client.orgs.setJoinEmailDomain({ domain: huge })],
			["invitations.accept huge id", () => client.invitations.accept({ invitationId: huge })],
			["apiKeys.create huge name", () => client.apiKeys.create({ name: huge })],
			["apiKeys.revoke huge id", () => client.apiKeys.revoke({ apiKeyId: huge })],
			["account.gatewayToken huge session id", () => client.account.gatewayToken({ sessionId: huge })],
		];
		for (const [label, call] of calls)
			await expect(call(), label).rejects.toMatchObject({ code: "BAD_REQUEST" });
		expect((await client.orgs.list()).length).toBe(before);
		expect((await client.orgs.get()).organization.name).toBe("Hostile");
		expect((await client.apiKeys.list()).map((key) => key.name)).toEqual(["owner-key"]);
	});

	it("keeps API keys, session cookies and gateway tokens out of the logs", async () => {
		const client = harness.clientFor(owner.headers);
		const { secret, apiKey } = await client.apiKeys.create({ name: "logged" });
		const keyClient = harness.clientFor(new Headers({ authorization: `Bearer ${secret}` }));
		const { token } = await keyClient.account.gatewayToken({});
		await client.apiKeys.revoke({ apiKeyId: apiKey.id });
		await expect(keyClient.account.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		const cookie = owner.headers.get("cookie") ?? "";
		const sessionToken = decodeURIComponent(cookie.split("=")[1]?.split(".")[0] ?? "");
		expect(sessionToken.length).toBeGreaterThan(10);
		const log = lines.join("\n");
		expect(log.length).toBeGreaterThan(0);
		expect(log).not.toContain(secret);
		expect(log).not.toContain(token);
		expect(log).not.toContain(sessionToken);
	});
});

describe("auth-orgs: expired credentials", () => {
	let harness: WebHarness;
	let superAdmin: TestUser;
	let customer: TestUser;
	beforeAll(async () => {
		harness = await createWebHarness({ superAdminEmails: ["root@expiry.dev"] });
		superAdmin = await harness.createUser({ email: "root@expiry.dev" });
		customer = await harness.createUser({ email: "casey@expiry.dev" });
	});
	afterAll(async () => {
		await harness?.close();
	});

	/** Moves a row's expiry into the past, as time would (ids come from the test, not from input). */
	const expire = (table: "auth_sessions" | "admin_impersonations", column: string, id: string) =>
		harness.web.services.db.execute(
			`update ${table} set expires_at = now() - interval '1 minute' where ${column} = '${id}'`,
		);

	it("answers 401 to a session cookie whose session has expired", async () => {
		const user = await harness.createUser({ email: "stale@expiry.dev" });
		const client = harness.clientFor(user.headers);
		expect((await client.account.me()).user.id).toBe(user.id);
		await expire("auth_sessions", "user_id", user.id);
		await expect(client.account.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		await expect(client.orgs.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
	});

	it("ends an impersonation at its expiry: the admin is themself again, without the target's access", async () => {
		const client = harness.clientFor(superAdmin.headers);
		const started = await client.admin.impersonate({ userId: customer.id, reason: "expiry check" });
		expect((await client.account.me()).user.id).toBe(customer.id);
		await expire("admin_impersonations", "id", started.impersonationId);
		const me = await client.account.me();
		expect(me.user.id).toBe(superAdmin.id);
		expect(me.impersonation).toBeNull();
	});
});
