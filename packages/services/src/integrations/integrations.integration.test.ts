import { randomBytes } from "node:crypto";
import { eq, schema } from "@proliferate/db";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DatabaseHandle } from "../db/client";
import { integrations, orgs, repos } from "../index";

let database: TestDatabase;
let handle: DatabaseHandle;
let context: { db: DatabaseHandle["db"] };
let github: FakeGithub;
let config: integrations.GithubConfig;
let acme: orgs.Organization;
let globex: orgs.Organization;

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 4 });
	context = { db: handle.db };
	github = await createFakeGithub();
	config = {
		apiUrl: github.url,
		app: { appId: github.app.appId, privateKey: github.app.privateKey },
		secretBox: new integrations.SecretBox(randomBytes(32).toString("hex")),
	};
	const alice = await orgs.createUser(context, { name: "Alice", email: "alice@acme.test" });
	const bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	acme = await orgs.createOrganization(context, { name: "Acme", ownerUserId: alice.id });
	globex = await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id });
	github.addRepository("alice/widgets");
	github.addRepository("acme-corp/api", { defaultBranch: "trunk", private: true });
});

afterAll(async () => {
	await github?.close();
	await handle?.close();
	await database?.drop();
});

describe("SecretBox", () => {
	it("round-trips, and refuses tampered values or another row's context", () => {
		const box = new integrations.SecretBox(randomBytes(32).toString("hex"));
		const sealed = box.seal("ghp_secret", "connection:1");
		expect(sealed).not.toContain("ghp_secret");
		expect(box.open(sealed, "connection:1")).toBe("ghp_secret");
		expect(() => box.open(sealed, "connection:2")).toThrow(/cannot be decrypted/);
		const parts = sealed.split(".");
		const tampered = [...parts.slice(0, 3), Buffer.from("ghp_other").toString("base64url")].join(".");
		expect(() => box.open(tampered, "connection:1")).toThrow(/cannot be decrypted/);
		expect(() => box.open("garbage", "connection:1")).toThrow(/malformed/);
		expect(() => new integrations.SecretBox("short")).toThrow(/64 hex/);
	});
});

describe("GitHub connections", () => {
	it("connects with a token that GitHub accepts, keeping the token sealed at rest", async () => {
		const token = github.addUserToken("alice");
		const connection = await integrations.connectGithubToken(
			context,
			{ organizationId: acme.id, token },
			config,
		);
		expect(connection).toMatchObject({ kind: "personal_token", accountLogin: "alice", provider: "github" });
		expect(JSON.stringify(connection)).not.toContain(token);
		const [row] = await context.db
			.select()
			.from(schema.integrationConnections)
			.where(eq(schema.integrationConnections.id, connection.id));
		expect(row?.sealedCredentials).toBeTruthy();
		expect(row?.sealedCredentials).not.toContain(token);
		expect(await integrations.listConnections(context, { organizationId: globex.id })).toEqual([]);
	});

	it("refuses a token GitHub rejects with a clear error and stores nothing", async () => {
		await expect(
			integrations.connectGithubToken(context, { organizationId: globex.id, token: "ghp_revoked" }, config),
		).rejects.toMatchObject({ code: "GITHUB_AUTH_FAILED" });
		expect(await integrations.listConnections(context, { organizationId: globex.id })).toEqual([]);
	});

	it("retries idempotent requests when GitHub answers 5xx", async () => {
		const token = github.addUserToken("alice");
		github.failNext(2, 502);
		const connection = await integrations.connectGithubToken(
			context,
			{ organizationId: acme.id, token },
			config,
		);
		expect(connection.accountLogin).toBe("alice");
		github.failNext(5, 503);
		await expect(
			integrations.connectGithubToken(context, { organizationId: acme.id, token }, config),
		).rejects.toMatchObject({ code: "GITHUB_REQUEST_FAILED" });
		github.failNext(0, 500);
	});

	it("opens a pull request, and returns the open one instead of a duplicate", async () => {
		const client = await integrations.githubClientFor(
			context,
			{ organizationId: acme.id, owner: "alice" },
			config,
		);
		expect(client.connection).toMatchObject({ kind: "personal_token", accountLogin: "alice" });
		const opened = await integrations.openPullRequest(client, {
			repoFullName: "alice/widgets",
			head: "feature",
			base: "main",
			title: "Add shout",
		});
		expect(opened).toMatchObject({
			number: 1,
			existing: false,
			url: "https://github.com/alice/widgets/pull/1",
		});
		const again = await integrations.openPullRequest(client, {
			repoFullName: "alice/widgets",
			head: "feature",
			base: "main",
			title: "Again",
		});
		expect(again).toEqual({ ...opened, existing: true });
		await expect(
			integrations.openPullRequest(client, {
				repoFullName: "alice/widgets",
				head: "main",
				base: "main",
				title: "Nothing",
			}),
		).rejects.toThrow(/No commits between main and main/);
		await expect(
			integrations.openPullRequest(client, { repoFullName: "alice/..", head: "x", base: "main", title: "t" }),
		).rejects.toMatchObject({ kind: "invalid_input" });
		expect(github.pulls).toHaveLength(1);
	});

	it("refuses pull requests for organizations without a connection", async () => {
		await expect(
			integrations.githubClientFor(context, { organizationId: globex.id, owner: "alice" }, config),
		).rejects.toMatchObject({ code: "GITHUB_NOT_CONNECTED" });
	});

	it("connects a GitHub App installation and acts through short-lived installation tokens", async () => {
		const installationId = github.app.installationId("acme-corp");
		const connection = await integrations.connectGithubApp(
			context,
			{ organizationId: globex.id, installationId },
			config,
		);
		expect(connection).toMatchObject({ kind: "github_app", accountLogin: "acme-corp", installationId });
		const listed = await integrations.listGithubRepositories(context, { organizationId: globex.id }, config);
		expect(listed).toEqual([
			{
				fullName: "acme-corp/api",
				cloneUrl: `${github.url}/git/acme-corp/api.git`,
				defaultBranch: "trunk",
				private: true,
				account: "acme-corp",
			},
		]);
		// One client per operation: the token git pushes with is the one the API calls reuse.
		const minted = github.installationTokensMinted(installationId);
		const client = await integrations.githubClientFor(
			context,
			{ organizationId: globex.id, owner: "acme-corp" },
			config,
		);
		const gitToken = await client.gitToken();
		expect(gitToken).toMatch(/^ghs_/);
		const pull = await integrations.openPullRequest(client, {
			repoFullName: "acme-corp/api",
			head: "fix",
			base: "trunk",
			title: "Fix",
		});
		expect(pull.existing).toBe(false);
		expect(github.installationTokensMinted(installationId)).toBe(minted + 1);
		const created = github.requests.filter((request) => request.path === "/repos/acme-corp/api/pulls").at(-1);
		expect(created?.auth).toBe(`token ${gitToken}`);
		const tokenRequests = github.requests.filter((request) => request.path.endsWith("/access_tokens"));
		expect(tokenRequests.at(-1)?.auth).toMatch(/^bearer ey/i);
		await expect(
			integrations.connectGithubApp(context, { organizationId: globex.id, installationId: "abc" }, config),
		).rejects.toMatchObject({ kind: "invalid_input" });
		await expect(
			integrations.connectGithubApp(
				context,
				{ organizationId: globex.id, installationId: "1" },
				{ ...config, app: undefined },
			),
		).rejects.toMatchObject({ code: "GITHUB_APP_NOT_CONFIGURED" });
	});

	it("keeps connections to their organization", async () => {
		const [acmeConnection] = await integrations.listConnections(context, { organizationId: acme.id });
		if (!acmeConnection) throw new Error("expected a connection");
		await expect(
			integrations.removeConnection(context, { organizationId: globex.id, connectionId: acmeConnection.id }),
		).rejects.toMatchObject({ kind: "not_found" });
		// Globex lists through its own installation only, never acme's token.
		expect(
			(await integrations.listGithubRepositories(context, { organizationId: globex.id }, config)).map(
				(repository) => repository.fullName,
			),
		).toEqual(["acme-corp/api"]);
		await integrations.removeConnection(context, {
			organizationId: acme.id,
			connectionId: acmeConnection.id,
		});
		expect(await integrations.listConnections(context, { organizationId: acme.id })).toEqual([]);
	});
});

describe("repos on GitHub", () => {
	it("derives owner/name from github.com URLs and validates explicit ones", async () => {
		expect(repos.githubFullNameFromUrl("https://github.com/acme/web.git")).toBe("acme/web");
		expect(repos.githubFullNameFromUrl("git@github.com:acme/web.git")).toBe("acme/web");
		expect(repos.githubFullNameFromUrl("ssh://git@github.com/acme/web")).toBe("acme/web");
		expect(repos.githubFullNameFromUrl("https://gitlab.com/acme/web.git")).toBeNull();
		expect(repos.githubFullNameFromUrl("https://github.com/../etc.git")).toBeNull();
		const repo = await repos.createRepo(context, {
			organizationId: acme.id,
			url: "https://github.com/acme/web.git",
			sourceKind: "git_url",
		});
		expect(repo.githubFullName).toBe("acme/web");
		await expect(
			repos.createRepo(context, {
				organizationId: acme.id,
				url: "/srv/repos/x",
				sourceKind: "local_path",
				githubFullName: "not a name",
			}),
		).rejects.toMatchObject({ code: "INVALID_REPO_SOURCE" });
	});
});
