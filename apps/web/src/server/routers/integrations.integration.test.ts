import { randomBytes } from "node:crypto";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

describe("integrations: GitHub connections", () => {
	let harness: WebHarness;
	let github: FakeGithub;
	let owner: TestUser;
	let member: TestUser;
	let fixture: SecurityFixture;

	beforeAll(async () => {
		github = await createFakeGithub();
		harness = await createWebHarness({
			env: { GITHUB_API_URL: github.url, SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex") },
		});
		owner = await harness.createUser({ email: "owner@octo.dev" });
		member = await harness.createUser({ email: "member@octo.dev" });
		const outsider = await harness.createUser({ email: "outsider@elsewhere.dev" });
		const ownerClient = harness.clientFor(owner.headers);
		const organization = await ownerClient.orgs.create({ name: "Octo" });
		const invitation = await ownerClient.orgs.invite({ email: member.email, role: "member" });
		await harness.clientFor(member.headers).invitations.accept({ invitationId: invitation.id });
		const connection = await ownerClient.integrations.connectGithubToken({
			token: github.addUserToken("octo"),
		});
		fixture = { owner, outsider, ids: { organizationId: organization.id, connectionId: connection.id } };
	});
	afterAll(async () => {
		await harness?.close();
		await github?.close();
	});

	it("connects with a token GitHub accepts, and never returns the token", async () => {
		const client = harness.clientFor(owner.headers);
		const token = github.addUserToken("octo");
		const connection = await client.integrations.connectGithubToken({ token });
		expect(connection).toMatchObject({ provider: "github", kind: "personal_token", accountLogin: "octo" });
		const listed = await client.integrations.list();
		expect(listed).toHaveLength(1);
		expect(JSON.stringify(listed)).not.toContain(token);
	});

	it("refuses a token GitHub rejects, and members may not manage connections", async () => {
		const client = harness.clientFor(owner.headers);
		await expect(
			client.integrations.connectGithubToken({ token: "ghp_not-a-real-token" }),
		).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
			message: expect.stringContaining("GitHub refused"),
		});
		await expect(client.integrations.connectGithubToken({ token: "short" })).rejects.toMatchObject({
			code: "BAD_REQUEST",
		});
		const memberClient = harness.clientFor(member.headers);
		expect(await memberClient.integrations.list()).toHaveLength(1);
		await expect(
			memberClient.integrations.connectGithubToken({ token: github.addUserToken("someone") }),
		).rejects.toMatchObject({ code: "FORBIDDEN" });
		await expect(
			memberClient.integrations.remove({ connectionId: fixture.ids.connectionId ?? "" }),
		).rejects.toMatchObject({ code: "FORBIDDEN" });
	});

	it("says clearly when the web app cannot seal tokens", async () => {
		const bare = await createWebHarness({ env: { GITHUB_API_URL: github.url } });
		try {
			const user = await bare.createUser({ email: "nokey@octo.dev" });
			await expect(
				bare.clientFor(user.headers).integrations.connectGithubToken({ token: github.addUserToken("octo") }),
			).rejects.toMatchObject({ message: expect.stringContaining("SECRETS_ENCRYPTION_KEY") });
		} finally {
			await bare.close();
		}
	});

	itChecksOrgScopedSecurity(
		() => harness,
		() => fixture,
		[
			{ name: "integrations.list", call: (client) => client.integrations.list() },
			{
				name: "integrations.remove",
				call: (client, f) => client.integrations.remove({ connectionId: f.ids.connectionId ?? "" }),
			},
		],
	);

	it("disconnects", async () => {
		const client = harness.clientFor(owner.headers);
		await client.integrations.remove({ connectionId: fixture.ids.connectionId ?? "" });
		expect(await client.integrations.list()).toEqual([]);
		await expect(
			client.integrations.remove({ connectionId: fixture.ids.connectionId ?? "" }),
		).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
	});
});
