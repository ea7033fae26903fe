import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

describe("organizations: create, invite, accept, roles", () => {
	let harness: WebHarness;
	let owner: TestUser;
	let invitee: TestUser;
	let organizationId: string;

	beforeAll(async () => {
		harness = await createWebHarness();
		owner = await harness.createUser({ name: "Olivia Owner", email: "olivia@acme.dev" });
		invitee = await harness.createUser({ name: "Max Member", email: "max@acme.dev" });
	});
	afterAll(async () => {
		await harness?.close();
	});

	it("creates an organization with the creator as owner and makes it active", async () => {
		const client = harness.clientFor(owner.headers);
		const created = await client.orgs.create({ name: "Acme" });
		organizationId = created.id;
		expect(created).toMatchObject({ name: "Acme", slug: "acme", isPersonal: false });
		const me = await client.account.me();
		expect(me.organization.id).toBe(created.id);
		expect(me.role).toBe("owner");
		const memberships = await client.orgs.list();
		expect(memberships.map((membership) => membership.organization.name).sort()).toEqual([
			"Acme",
			"Olivia's workspace",
		]);
		await expect(client.orgs.create({ name: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
		// A new browser session starts in the organization last worked in.
		const fresh = await harness.signedIn(owner.email, owner.password);
		expect((await harness.clientFor(fresh).account.me()).organization.id).toBe(created.id);
	});

	it("invites by email; the invitee accepts from the emailed link and becomes a member", async () => {
		const ownerClient = harness.clientFor(owner.headers);
		const invitation = await ownerClient.orgs.invite({ email: "MAX@acme.dev", role: "member" });
		expect(invitation).toMatchObject({ email: "max@acme.dev", status: "pending", state: "pending" });
		const message = await harness.latestMail("max@acme.dev");
		expect(message.subject).toBe("Join Acme on Proliferate");
		expect(message.actionUrl).toBe(`${harness.env.WEB_URL}/invitations/${invitation.id}`);

		const inviteeClient = harness.clientFor(invitee.headers);
		expect((await inviteeClient.invitations.mine()).map((pending) => pending.id)).toContain(invitation.id);
		const details = await inviteeClient.invitations.get({ invitationId: invitation.id });
		expect(details).toMatchObject({
			organization: { name: "Acme" },
			inviterName: "Olivia Owner",
			role: "member",
		});

		const joined = await inviteeClient.invitations.accept({ invitationId: invitation.id });
		expect(joined.id).toBe(organizationId);
		const me = await inviteeClient.account.me();
		expect(me.organization.id).toBe(organizationId);
		expect(me.role).toBe("member");
		await expect(inviteeClient.invitations.accept({ invitationId: invitation.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});

		const organization = await ownerClient.orgs.get();
		expect(organization.members.map((member) => [member.user.email, member.role])).toEqual([
			["olivia@acme.dev", "owner"],
			["max@acme.dev", "member"],
		]);
		expect(organization.invitations).toEqual([]);
	});

	it("enforces roles: a member cannot remove the owner, invite, or change roles", async () => {
		const memberClient = harness.clientFor(invitee.headers);
		await expect(memberClient.orgs.removeMember({ userId: owner.id })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(memberClient.orgs.invite({ email: "someone@acme.dev" })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(memberClient.orgs.changeRole({ userId: invitee.id, role: "owner" })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(memberClient.apiKeys.create({ name: "mine" })).rejects.toMatchObject({ code: "FORBIDDEN" });
		const organization = await memberClient.orgs.get();
		expect(organization.members).toHaveLength(2);
		// Members do not see pending invitations.
		expect(organization.invitations).toEqual([]);
	});

	it("admins manage members but not owners; the last owner can neither leave nor be demoted", async () => {
		const ownerClient = harness.clientFor(owner.headers);
		await ownerClient.orgs.changeRole({ userId: invitee.id, role: "admin" });
		const adminClient = harness.clientFor(invitee.headers);
		expect((await adminClient.account.me()).role).toBe("admin");
		await expect(adminClient.orgs.removeMember({ userId: owner.id })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(adminClient.orgs.changeRole({ userId: owner.id, role: "member" })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await expect(ownerClient.orgs.leave()).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
		await expect(ownerClient.orgs.changeRole({ userId: owner.id, role: "admin" })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});
		await expect(ownerClient.orgs.removeMember({ userId: "no-such-user" })).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
	});

	it("declines, cancels and expires invitations; only the addressed email may answer", async () => {
		const ownerClient = harness.clientFor(owner.headers);
		const third = await harness.createUser({ email: "third@acme.dev" });
		const thirdClient = harness.clientFor(third.headers);

		const declined = await ownerClient.orgs.invite({ email: third.email });
		await expect(
			harness.clientFor(invitee.headers).invitations.get({ invitationId: declined.id }),
		).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await thirdClient.invitations.decline({ invitationId: declined.id });
		await expect(thirdClient.invitations.accept({ invitationId: declined.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});

		const canceled = await ownerClient.orgs.invite({ email: third.email });
		await ownerClient.orgs.cancelInvitation({ invitationId: canceled.id });
		await expect(thirdClient.invitations.accept({ invitationId: canceled.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});
		await expect(thirdClient.invitations.get({ invitationId: "does-not-exist" })).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
		expect((await thirdClient.orgs.list()).map((membership) => membership.organization.id)).not.toContain(
			organizationId,
		);
	});

	it("rejects an expired invitation", async () => {
		const { orgs } = await import("@proliferate/services");
		const late = await harness.createUser({ email: "late@acme.dev" });
		const ownerMe = await harness.clientFor(owner.headers).account.me();
		const invitation = await orgs.inviteMember(harness.web.services, {
			actor: { organizationId: ownerMe.organization.id, userId: owner.id, role: "owner", name: owner.name },
			email: late.email,
			role: "member",
			mail: harness.web.mail,
			invitationUrl: (id) => `${harness.env.WEB_URL}/invitations/${id}`,
			ttlDays: -1,
		});
		const lateClient = harness.clientFor(late.headers);
		expect((await lateClient.invitations.get({ invitationId: invitation.id })).state).toBe("expired");
		await expect(lateClient.invitations.accept({ invitationId: invitation.id })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
			message: expect.stringContaining("expired"),
		});
	});

	it("suggests and joins organizations by verified email domain when the owner allows it", async () => {
		const ownerClient = harness.clientFor(owner.headers);
		const colleague = await harness.createUser({ email: "colleague@acme.dev" });
		const colleagueClient = harness.clientFor(colleague.headers);
		expect(await colleagueClient.orgs.domainSuggestions()).toEqual([]);
		await expect(ownerClient.orgs.setJoinEmailDomain({ domain: "gmail.com" })).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await ownerClient.orgs.setJoinEmailDomain({ domain: "acme.dev" });
		const suggestions = await colleagueClient.orgs.domainSuggestions();
		expect(suggestions).toEqual([
			{ domain: "acme.dev", organization: expect.objectContaining({ name: "Acme" }) },
		]);
		const outsider = await harness.createUser({ email: "someone@elsewhere.dev" });
		expect(await harness.clientFor(outsider.headers).orgs.domainSuggestions()).toEqual([]);
		await expect(
			harness.clientFor(outsider.headers).orgs.joinByDomain({ organizationId }),
		).rejects.toMatchObject({
			code: "FORBIDDEN",
		});
		await colleagueClient.orgs.joinByDomain({ organizationId });
		expect((await colleagueClient.account.me()).role).toBe("member");
		expect(await colleagueClient.orgs.domainSuggestions()).toEqual([]);
	});

	it("switches the active organization, members leave, owners remove", async () => {
		const ownerClient = harness.clientFor(owner.headers);
		const memberships = await ownerClient.orgs.list();
		const personal = memberships.find((membership) => membership.organization.isPersonal);
		if (!personal) throw new Error("no personal organization");
		await ownerClient.orgs.switch({ organizationId: personal.organization.id });
		expect((await ownerClient.account.me()).organization.id).toBe(personal.organization.id);
		await expect(ownerClient.orgs.invite({ email: "x@acme.dev" })).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
		});
		await ownerClient.orgs.switch({ organizationId });

		const colleague = (await ownerClient.orgs.get()).members.find(
			(member) => member.user.email === "colleague@acme.dev",
		);
		if (!colleague) throw new Error("colleague missing");
		await ownerClient.orgs.removeMember({ userId: colleague.user.id });
		const adminClient = harness.clientFor(invitee.headers);
		await adminClient.orgs.leave();
		const remaining = (await ownerClient.orgs.get()).members.map((member) => member.user.email);
		expect(remaining).toEqual(["olivia@acme.dev"]);
		const { audit } = await import("@proliferate/services");
		const actions = (await audit.listAuditEventsUnscoped(harness.web.services, {}))
			.filter((event) => event.organizationId === organizationId)
			.map((event) => event.action);
		expect(actions).toEqual(expect.arrayContaining(["member.role_changed", "member.removed", "member.left"]));
	});
});

describe("organizations: security of org-scoped procedures", () => {
	let harness: WebHarness;
	let fixture: SecurityFixture;
	beforeAll(async () => {
		harness = await createWebHarness();
		const owner = await harness.createUser({ email: "owner@secure.dev" });
		const outsider = await harness.createUser({ email: "outsider@other.dev" });
		const ownerClient = harness.clientFor(owner.headers);
		const organization = await ownerClient.orgs.create({ name: "Secure" });
		const invitation = await ownerClient.orgs.invite({ email: "guest@secure.dev", role: "member" });
		const apiKey = await ownerClient.apiKeys.create({ name: "ci" });
		fixture = {
			owner,
			outsider,
			ids: {
				organizationId: organization.id,
				invitationId: invitation.id,
				apiKeyId: apiKey.apiKey.id,
				ownerUserId: owner.id,
			},
		};
	});
	afterAll(async () => {
		await harness?.close();
	});

	itChecksOrgScopedSecurity(
		() => harness,
		() => fixture,
		[
			{ name: "account.me", call: (client) => client.account.me() },
			{ name: "account.gatewayToken", call: (client) => client.account.gatewayToken({}) },
			{ name: "orgs.get", call: (client) => client.orgs.get() },
			{ name: "orgs.list", call: (client) => client.orgs.list() },
			{
				name: "orgs.switch",
				call: (client, f) => client.orgs.switch({ organizationId: f.ids.organizationId ?? "" }),
			},
			{ name: "orgs.rename", call: (client) => client.orgs.rename({ name: "Renamed" }) },
			{
				name: "orgs.removeMember",
				call: (client, f) => client.orgs.removeMember({ userId: f.ids.ownerUserId ?? "" }),
			},
			{
				name: "orgs.changeRole",
				call: (client, f) => client.orgs.changeRole({ userId: f.ids.ownerUserId ?? "", role: "member" }),
			},
			{
				name: "orgs.cancelInvitation",
				call: (client, f) => client.orgs.cancelInvitation({ invitationId: f.ids.invitationId ?? "" }),
			},
			{
				name: "orgs.joinByDomain",
				call: (client, f) => client.orgs.joinByDomain({ organizationId: f.ids.organizationId ?? "" }),
			},
			{
				name: "invitations.get",
				call: (client, f) => client.invitations.get({ invitationId: f.ids.invitationId ?? "" }),
			},
			{
				name: "invitations.accept",
				call: (client, f) => client.invitations.accept({ invitationId: f.ids.invitationId ?? "" }),
			},
			{ name: "apiKeys.list", call: (client) => client.apiKeys.list() },
			{
				name: "apiKeys.revoke",
				call: (client, f) => client.apiKeys.revoke({ apiKeyId: f.ids.apiKeyId ?? "" }),
			},
			{ name: "onboarding.get", call: (client) => client.onboarding.get() },
		],
	);

	it("left the owner's organization untouched", async () => {
		const organization = await harness.clientFor(fixture.owner.headers).orgs.get();
		expect(organization.organization.name).toBe("Secure");
		expect(organization.members.map((member) => member.role)).toEqual(["owner"]);
		expect(organization.invitations).toHaveLength(1);
		expect((await harness.clientFor(fixture.owner.headers).apiKeys.list())[0]?.revokedAt).toBeNull();
	});
});
