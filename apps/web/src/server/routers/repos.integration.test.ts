import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { integrations } from "@proliferate/services";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubConfig } from "../github";
import { createWebHarness, type TestClient, type TestUser, type WebHarness } from "../testing/harness";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

/** Repository procedures: add (local path, git URL, GitHub), list and search, get, delete, sources. */
let harness: WebHarness;
let hosted: WebHarness;
let github: FakeGithub;
let owner: TestUser;
let client: TestClient;
let root: string;
let demoPath: string;

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), "web-repos-"));
	demoPath = createDemoRepo(join(root, "demo-app")).path;
	github = await createFakeGithub();
	harness = await createWebHarness({
		env: {
			GITHUB_API_URL: github.url,
			GITHUB_APP_ID: github.app.appId,
			GITHUB_APP_PRIVATE_KEY: github.app.privateKey,
			SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
		},
	});
	// A hosted deployment (sandboxes elsewhere): local paths make no sense there.
	hosted = await createWebHarness({ env: { SANDBOX_PROVIDER: "e2b" } });
	owner = await harness.createUser({ name: "Rita Repo", email: "rita@repos.test" });
	client = harness.clientFor(owner.headers);
}, 120_000);

afterAll(async () => {
	await harness?.close();
	await hosted?.close();
	await github?.close();
	if (root) rmSync(root, { recursive: true, force: true });
});

describe("repos procedures", () => {
	it("offers local paths in self-hosted mode only", async () => {
		const notConnected = { connected: false, accounts: [], canConnect: true };
		expect(await client.repos.sources()).toEqual({ localPaths: true, github: notConnected });
		const hostedUser = await hosted.createUser({ email: "henry@hosted.test" });
		const hostedClient = hosted.clientFor(hostedUser.headers);
		expect(await hostedClient.repos.sources()).toEqual({ localPaths: false, github: notConnected });
		await expect(
			hostedClient.repos.add({ source: { kind: "local_path", path: demoPath } }),
		).rejects.toMatchObject({ code: "FORBIDDEN", data: { code: "LOCAL_REPOS_DISABLED" } });
	});

	it("adds the demo repository by path with its detected default branch, once", async () => {
		const repo = await client.repos.add({ source: { kind: "local_path", path: demoPath } });
		expect(repo).toMatchObject({
			name: "demo-app",
			sourceKind: "local_path",
			defaultBranch: "main",
			url: demoPath,
		});
		await expect(client.repos.add({ source: { kind: "local_path", path: demoPath } })).rejects.toMatchObject({
			code: "CONFLICT",
			data: { code: "REPO_NAME_TAKEN" },
		});
		expect(await client.repos.get({ repoId: repo.id })).toEqual(repo);
	});

	it("refuses unreachable URLs, non-URLs and malformed input with clear errors", async () => {
		await expect(
			client.repos.add({ source: { kind: "git_url", url: `file://${join(root, "missing")}` } }),
		).rejects.toMatchObject({ code: "BAD_REQUEST", data: { code: "REPO_UNREACHABLE" } });
		await expect(client.repos.add({ source: { kind: "git_url", url: "not a url" } })).rejects.toMatchObject({
			code: "BAD_REQUEST",
			data: { code: "INVALID_REPO_SOURCE" },
		});
		await expect(
			client.repos.add({ source: { kind: "svn" as "git_url", url: "https://x" } as never }),
		).rejects.toMatchObject({ code: "BAD_REQUEST" });
		await expect(client.repos.get({ repoId: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
		await expect(client.repos.github()).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
			data: { code: "GITHUB_NOT_CONNECTED" },
		});
	});

	it("searches by name and deletes", async () => {
		expect((await client.repos.list({ search: "DEMO" })).map((repo) => repo.name)).toEqual(["demo-app"]);
		expect(await client.repos.list({ search: "%" })).toEqual([]);
		const [repo] = await client.repos.list();
		if (!repo) throw new Error("expected a repository");
		expect(await client.repos.delete({ repoId: repo.id })).toEqual({ deleted: true });
		await expect(client.repos.delete({ repoId: repo.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
		expect(await client.repos.list()).toEqual([]);
	});
});

describe("importing from the organization's GitHub connection", () => {
	let member: TestUser;
	let fixture: SecurityFixture;

	beforeAll(async () => {
		member = await harness.createUser({ email: "mo@repos.test" });
		// A team organization (becomes the owner's active one) with a member.
		await client.orgs.create({ name: "Rita Co" });
		const invitation = await client.orgs.invite({ email: member.email, role: "member" });
		await harness.clientFor(member.headers).invitations.accept({ invitationId: invitation.id });
		github.addRepository("rita-co/private-app", { private: true, defaultBranch: "trunk" });
		github.addRepository("rita-co/site");
		github.addRepository("otto/tools", { private: true });
		const outsider = await harness.createUser({ email: "otto@elsewhere.test" });
		await harness
			.clientFor(outsider.headers)
			.integrations.connectGithubToken({ token: github.addUserToken("otto") });
		fixture = {
			owner,
			outsider,
			ids: {
				organizationId: (await client.account.me()).organization.id,
				account: "rita-co",
				privateRepository: "rita-co/private-app",
			},
		};
	});

	it("says GitHub is not connected, and whether the caller may connect it", async () => {
		expect((await client.repos.sources()).github).toEqual({
			connected: false,
			accounts: [],
			canConnect: true,
		});
		const memberClient = harness.clientFor(member.headers);
		expect((await memberClient.repos.sources()).github).toEqual({
			connected: false,
			accounts: [],
			canConnect: false,
		});
		await expect(
			memberClient.repos.add({ source: { kind: "github", fullName: "rita-co/private-app" } }),
		).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
			data: { code: "GITHUB_NOT_CONNECTED" },
			message: expect.stringContaining("Settings → Integrations"),
		});
	});

	it("lists and imports a private repository through the organization's GitHub App installation", async () => {
		await integrations.connectGithubApp(
			harness.web.services,
			{
				organizationId: fixture.ids.organizationId ?? "",
				installationId: github.app.installationId("rita-co"),
			},
			githubConfig(harness.env),
		);
		expect((await client.repos.sources()).github).toEqual({
			connected: true,
			accounts: ["rita-co"],
			canConnect: true,
		});
		const memberClient = harness.clientFor(member.headers);
		const listed = await memberClient.repos.github();
		expect(listed).toEqual([
			expect.objectContaining({
				fullName: "rita-co/private-app",
				private: true,
				account: "rita-co",
				added: false,
			}),
			expect.objectContaining({ fullName: "rita-co/site", private: false, added: false }),
		]);
		const repo = await memberClient.repos.add({
			source: { kind: "github", fullName: "rita-co/private-app" },
		});
		expect(repo).toMatchObject({
			name: "rita-co/private-app",
			sourceKind: "github",
			defaultBranch: "trunk",
			githubFullName: "rita-co/private-app",
			url: `${github.url}/git/rita-co/private-app.git`,
		});
		fixture.ids.repoId = repo.id;
		expect(
			(await client.repos.github({ search: "PRIVATE" })).map((entry) => [entry.fullName, entry.added]),
		).toEqual([["rita-co/private-app", true]]);
		expect(JSON.stringify(await client.repos.list())).not.toMatch(/ghs_|ghp_/);
	});

	it("refuses unknown and malformed repositories clearly", async () => {
		await expect(
			client.repos.add({ source: { kind: "github", fullName: "rita-co/missing" } }),
		).rejects.toMatchObject({ code: "NOT_FOUND", data: { code: "GITHUB_REQUEST_FAILED" } });
		// Another account's private repository: the installation cannot see it.
		await expect(
			client.repos.add({ source: { kind: "github", fullName: "otto/tools" } }),
		).rejects.toMatchObject({
			code: "NOT_FOUND",
			message: "otto/tools does not exist or is not visible to the GitHub connection rita-co",
		});
		await expect(
			client.repos.add({ source: { kind: "github", fullName: "rita-co/.." } }),
		).rejects.toMatchObject({ code: "BAD_REQUEST" });
	});

	itChecksOrgScopedSecurity(
		() => harness,
		() => fixture,
		[
			{ name: "repos.sources", call: (c) => c.repos.sources() },
			{ name: "repos.github", call: (c) => c.repos.github() },
			{
				name: "repos.add (another organization's private GitHub repository)",
				call: (c, f) => c.repos.add({ source: { kind: "github", fullName: f.ids.privateRepository ?? "" } }),
			},
			{ name: "repos.get", call: (c, f) => c.repos.get({ repoId: f.ids.repoId ?? "" }) },
			{ name: "repos.delete", call: (c, f) => c.repos.delete({ repoId: f.ids.repoId ?? "" }) },
		],
	);

	it("the outsider's own connection sees only its own repositories", async () => {
		const outsiderClient = harness.clientFor(fixture.outsider.headers);
		expect((await outsiderClient.repos.github()).map((entry) => entry.fullName)).toEqual(["otto/tools"]);
		expect((await client.repos.get({ repoId: fixture.ids.repoId ?? "" })).name).toBe("rita-co/private-app");
	});
});
