import { randomBytes } from "node:crypto";
import { repos } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestClient, type TestUser, type WebHarness } from "../testing/harness";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

/** Secrets procedures: CRUD without values in answers, roles, import preview/apply, bundles, repository resolution. */
let harness: WebHarness;
let owner: TestUser;
let member: TestUser;
let client: TestClient;
let memberClient: TestClient;
let organizationId: string;
let repoId: string;
const fixture = {} as SecurityFixture;

beforeAll(async () => {
	harness = await createWebHarness({ env: { SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex") } });
	owner = await harness.createUser({ name: "Sam Secret", email: "sam@secrets.test" });
	member = await harness.createUser({ name: "Mia Member", email: "mia@secrets.test" });
	client = harness.clientFor(owner.headers);
	memberClient = harness.clientFor(member.headers);
	organizationId = (await client.orgs.create({ name: "Secretco" })).id;
	const invitation = await client.orgs.invite({ email: "mia@secrets.test", role: "member" });
	await memberClient.invitations.accept({ invitationId: invitation.id });
	repoId = (
		await repos.createRepo(harness.web.services, {
			organizationId,
			url: "https://git.example.test/sam/app.git",
			sourceKind: "git_url",
		})
	).id;
}, 120_000);
afterAll(async () => {
	await harness?.close();
});

describe("secrets procedures", () => {
	it("creates, lists (never a value), updates and deletes; answers name who changed it", async () => {
		const created = await client.secrets.create({
			scope: { kind: "organization" },
			key: "STRIPE_KEY",
			value: "sk_live_owner_value",
			description: "payments",
		});
		expect(created).toMatchObject({ key: "STRIPE_KEY", hasValue: true, updatedByName: "Sam Secret" });
		const listed = await memberClient.secrets.list();
		expect(listed.map((secret) => secret.key)).toEqual(["STRIPE_KEY"]);
		expect(JSON.stringify(listed)).not.toContain("sk_live_owner_value");
		const updated = await client.secrets.update({
			secretId: created.id,
			value: "sk_live_2",
			description: "new",
		});
		expect(JSON.stringify(updated)).not.toContain("sk_live_2");
		expect(updated.description).toBe("new");
		await client.secrets.create({
			scope: { kind: "repository", repoId },
			key: "DB_URL",
			value: "postgres://repo",
		});
		expect(
			(await client.secrets.list({ scope: { kind: "repository", repoId } })).map((secret) => secret.key),
		).toEqual(["DB_URL"]);
	});

	it("refuses members on every change, and lets them read", async () => {
		const [secret] = await memberClient.secrets.list();
		const calls: [string, () => Promise<unknown>][] = [
			[
				"create",
				() => memberClient.secrets.create({ scope: { kind: "organization" }, key: "X", value: "1" }),
			],
			["update", () => memberClient.secrets.update({ secretId: secret?.id ?? "", value: "2" })],
			["delete", () => memberClient.secrets.delete({ secretId: secret?.id ?? "" })],
			[
				"saveMany",
				() => memberClient.secrets.saveMany({ scope: { kind: "organization" }, values: { X: "1" } }),
			],
			[
				"previewImport",
				() => memberClient.secrets.previewImport({ scope: { kind: "organization" }, content: "X=1" }),
			],
			[
				"applyImport",
				() => memberClient.secrets.applyImport({ scope: { kind: "organization" }, content: "X=1" }),
			],
			["bundles.create", () => memberClient.secrets.bundles.create({ name: "m" })],
			["setRepoBundles", () => memberClient.secrets.setRepoBundles({ repoId, bundleIds: [] })],
		];
		for (const [label, call] of calls)
			await expect(call(), label).rejects.toMatchObject({ code: "FORBIDDEN" });
		expect((await memberClient.secrets.forRepo({ repoId })).resolved.map((entry) => entry.key)).toEqual([
			"DB_URL",
			"STRIPE_KEY",
		]);
	});

	it("refuses oversized and malformed input with 400", async () => {
		const calls: [string, () => Promise<unknown>][] = [
			[
				"bad key",
				() => client.secrets.create({ scope: { kind: "organization" }, key: "NOT-A-NAME", value: "1" }),
			],
			[
				"reserved key",
				() => client.secrets.create({ scope: { kind: "organization" }, key: "PATH", value: "1" }),
			],
			[
				"huge value",
				() =>
					client.secrets.create({ scope: { kind: "organization" }, key: "BIG", value: "x".repeat(70_000) }),
			],
			[
				"huge file",
				() =>
					client.secrets.previewImport({
						scope: { kind: "organization" },
						content: `A=${"x".repeat(300_000)}`,
					}),
			],
			[
				"bad names in file",
				() => client.secrets.previewImport({ scope: { kind: "organization" }, content: "OK=1\n2BAD=1" }),
			],
			["secret id not a uuid", () => client.secrets.delete({ secretId: "../../etc" })],
			["scope of the wrong shape", () => client.secrets.list({ scope: { kind: "repository" } as never })],
			["bad bundle name", () => client.secrets.bundles.create({ name: "../x" })],
		];
		for (const [label, call] of calls)
			await expect(call(), label).rejects.toMatchObject({ code: "BAD_REQUEST" });
	});

	it("previews an import as new/changed/unchanged without values, then applies the choices", async () => {
		const scope = { kind: "organization" } as const;
		const content = "# from .env\nSTRIPE_KEY=sk_live_2\nexport NEW_ONE='fresh'\n";
		const preview = await client.secrets.previewImport({ scope, content });
		expect(preview.entries).toEqual([
			{ key: "STRIPE_KEY", status: "unchanged" },
			{ key: "NEW_ONE", status: "new" },
		]);
		const applied = await client.secrets.applyImport({
			scope,
			content: "STRIPE_KEY=other\nNEW_ONE=fresh",
			choices: { STRIPE_KEY: "keep" },
		});
		expect(applied).toEqual({ created: ["NEW_ONE"], overwritten: [], kept: ["STRIPE_KEY"], unchanged: [] });
	});

	it("manages bundles and their ordered attachment; the repository shows keys and sources only", async () => {
		const staging = await client.secrets.bundles.create({ name: "staging" });
		const ci = await client.secrets.bundles.create({ name: "ci" });
		await client.secrets.create({
			scope: { kind: "bundle", bundleId: staging.id },
			key: "STAGE",
			value: "staging",
		});
		await client.secrets.create({ scope: { kind: "bundle", bundleId: ci.id }, key: "STAGE", value: "ci" });
		await client.secrets.setRepoBundles({ repoId, bundleIds: [ci.id, staging.id] });
		const view = await client.secrets.forRepo({ repoId });
		expect(view.bundles.map((bundle) => bundle.name)).toEqual(["ci", "staging"]);
		expect(view.resolved.find((entry) => entry.key === "STAGE")?.source).toEqual({
			kind: "bundle",
			bundleId: staging.id,
			bundleName: "staging",
		});
		expect(JSON.stringify(view)).not.toMatch(/postgres:\/\/repo|sk_live/);
		expect((await client.secrets.bundles.list()).find((bundle) => bundle.id === ci.id)).toMatchObject({
			secretCount: 1,
			attachedTo: [{ repoId, position: 0 }],
		});
		fixture.ids = {
			organizationId,
			repoId,
			bundleId: ci.id,
			secretId: (await client.secrets.list())[0]?.id ?? "",
		};
		fixture.owner = owner;
		fixture.outsider = await harness.createUser({ name: "Otto", email: "otto@elsewhere.test" });
	});

	itChecksOrgScopedSecurity(
		() => harness,
		() => fixture,
		[
			{ name: "secrets.list", call: (c) => c.secrets.list() },
			{
				name: "secrets.list (another organization's repository)",
				call: (c, f) => c.secrets.list({ scope: { kind: "repository", repoId: f.ids.repoId ?? "" } }),
			},
			{
				name: "secrets.update",
				call: (c, f) => c.secrets.update({ secretId: f.ids.secretId ?? "", value: "stolen" }),
			},
			{ name: "secrets.delete", call: (c, f) => c.secrets.delete({ secretId: f.ids.secretId ?? "" }) },
			{
				name: "secrets.create in another organization's bundle",
				call: (c, f) =>
					c.secrets.create({
						scope: { kind: "bundle", bundleId: f.ids.bundleId ?? "" },
						key: "X",
						value: "1",
					}),
			},
			{
				name: "secrets.previewImport into another organization's repository",
				call: (c, f) =>
					c.secrets.previewImport({
						scope: { kind: "repository", repoId: f.ids.repoId ?? "" },
						content: "STAGE=1",
					}),
			},
			{ name: "secrets.bundles.list", call: (c) => c.secrets.bundles.list() },
			{
				name: "secrets.bundles.delete",
				call: (c, f) => c.secrets.bundles.delete({ bundleId: f.ids.bundleId ?? "" }),
			},
			{ name: "secrets.forRepo", call: (c, f) => c.secrets.forRepo({ repoId: f.ids.repoId ?? "" }) },
			{
				name: "secrets.setRepoBundles",
				call: (c, f) => c.secrets.setRepoBundles({ repoId: f.ids.repoId ?? "", bundleIds: [] }),
			},
		],
	);
});
