import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schema } from "@proliferate/db";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DatabaseHandle } from "../db/client";
import { orgs, repos } from "../index";

let database: TestDatabase;
let handle: DatabaseHandle;
let context: { db: DatabaseHandle["db"] };
let acme: orgs.Organization;
let alice: orgs.User;
let globex: orgs.Organization;
let root: string;
let trunkRepo: string;
let github: FakeGithub;
let githubUrl: string;
let acmeToken: string;

function git(cwd: string, ...args: string[]) {
	execFileSync("git", args, {
		cwd,
		env: {
			...process.env,
			GIT_AUTHOR_NAME: "T",
			GIT_AUTHOR_EMAIL: "t@example.test",
			GIT_COMMITTER_NAME: "T",
			GIT_COMMITTER_EMAIL: "t@example.test",
		},
	});
}

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 4 });
	context = { db: handle.db };
	alice = await orgs.createUser(context, { name: "Alice", email: "alice@acme.test" });
	const bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	acme = await orgs.createOrganization(context, { name: "Acme", ownerUserId: alice.id });
	globex = await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id });
	root = mkdtempSync(join(tmpdir(), "repos-test-"));
	trunkRepo = join(root, "trunk-app");
	mkdirSync(trunkRepo);
	git(trunkRepo, "init", "--quiet", "--initial-branch=trunk");
	writeFileSync(join(trunkRepo, "README.md"), "# trunk\n");
	git(trunkRepo, "add", "-A");
	git(trunkRepo, "commit", "--quiet", "-m", "init");
	github = await createFakeGithub();
	githubUrl = github.url;
	acmeToken = github.addUserToken("acme");
	github.addRepository("acme/web", { private: true });
	github.addRepository("acme/api", { defaultBranch: "develop", private: true });
});

afterAll(async () => {
	await github?.close();
	await handle?.close();
	await database?.drop();
	if (root) rmSync(root, { recursive: true, force: true });
});

describe("default branch detection", () => {
	it("parses the symref line of ls-remote", () => {
		expect(repos.parseSymrefHead("ref: refs/heads/develop\tHEAD\nabc123\tHEAD\n")).toBe("develop");
		expect(repos.parseSymrefHead("abc123\tHEAD\n")).toBeNull();
	});

	it("asks the repository itself", async () => {
		expect(await repos.probeRemote(trunkRepo)).toEqual({ defaultBranch: "trunk" });
		expect(await repos.probeRemote(`file://${trunkRepo}`)).toEqual({ defaultBranch: "trunk" });
	});

	it("reports an unreachable repository clearly and refuses option-like URLs", async () => {
		await expect(repos.probeRemote(join(root, "missing"))).rejects.toMatchObject({
			code: "REPO_UNREACHABLE",
		});
		await expect(repos.probeRemote("--upload-pack=touch /tmp/x")).rejects.toMatchObject({
			code: "INVALID_REPO_SOURCE",
		});
	});
});

describe("addRepo", () => {
	it("adds a local path in self-hosted mode with its detected default branch", async () => {
		const repo = await repos.addRepo(context, {
			organizationId: acme.id,
			source: { kind: "local_path", path: `${trunkRepo}/` },
			allowLocalPaths: true,
		});
		expect(repo).toMatchObject({
			name: "trunk-app",
			sourceKind: "local_path",
			url: trunkRepo,
			defaultBranch: "trunk",
		});
	});

	it("refuses local paths (and file: URLs) outside self-hosted mode, and relative or missing paths", async () => {
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "local_path", path: trunkRepo },
				allowLocalPaths: false,
			}),
		).rejects.toMatchObject({ code: "LOCAL_REPOS_DISABLED", kind: "forbidden" });
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "git_url", url: `file://${trunkRepo}` },
				allowLocalPaths: false,
			}),
		).rejects.toMatchObject({ code: "LOCAL_REPOS_DISABLED" });
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "local_path", path: "relative/dir" },
				allowLocalPaths: true,
			}),
		).rejects.toMatchObject({ code: "INVALID_REPO_SOURCE" });
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "local_path", path: join(root, "nope") },
				allowLocalPaths: true,
			}),
		).rejects.toMatchObject({ code: "INVALID_REPO_SOURCE" });
	});

	it("adds a git URL after probing it, and refuses a duplicate name or a non-URL", async () => {
		const repo = await repos.addRepo(context, {
			organizationId: acme.id,
			source: { kind: "git_url", url: "https://git.example.test/acme/site.git" },
			allowLocalPaths: false,
			probe: async () => ({ defaultBranch: "release" }),
		});
		expect(repo).toMatchObject({ name: "acme/site", defaultBranch: "release", sourceKind: "git_url" });
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "git_url", url: "https://git.example.test/acme/site" },
				allowLocalPaths: false,
				probe: async () => ({ defaultBranch: "main" }),
			}),
		).rejects.toMatchObject({ code: "REPO_NAME_TAKEN", kind: "conflict" });
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "git_url", url: "not a url" },
				allowLocalPaths: false,
			}),
		).rejects.toMatchObject({ code: "INVALID_REPO_SOURCE" });
	});

	it("imports from the GitHub connection with GitHub's default branch", async () => {
		const source = repos.createGithubRepositorySource({ apiUrl: githubUrl, token: acmeToken });
		const listed = await repos.listGithubRepositories(context, {
			organizationId: acme.id,
			github: source,
			search: "AP",
		});
		expect(listed.map((repository) => [repository.fullName, repository.added])).toEqual([
			["acme/api", false],
		]);
		const repo = await repos.addRepo(context, {
			organizationId: acme.id,
			source: { kind: "github", fullName: "acme/api" },
			allowLocalPaths: false,
			github: source,
		});
		expect(repo).toMatchObject({ name: "acme/api", sourceKind: "github", defaultBranch: "develop" });
		const again = await repos.listGithubRepositories(context, { organizationId: acme.id, github: source });
		expect(again.find((repository) => repository.fullName === "acme/api")?.added).toBe(true);
	});

	it("fails clearly without a GitHub connection, with bad credentials, or for an unknown repository", async () => {
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "github", fullName: "acme/api" },
				allowLocalPaths: false,
			}),
		).rejects.toMatchObject({ code: "GITHUB_NOT_CONNECTED" });
		const badToken = repos.createGithubRepositorySource({ apiUrl: githubUrl, token: "wrong" });
		await expect(badToken.listRepositories()).rejects.toMatchObject({
			code: "GITHUB_REQUEST_FAILED",
			kind: "forbidden",
		});
		const source = repos.createGithubRepositorySource({ apiUrl: githubUrl, token: acmeToken });
		await expect(source.getRepository("acme/missing")).rejects.toMatchObject({ kind: "not_found" });
		await expect(source.getRepository("../etc")).rejects.toMatchObject({ kind: "not_found" });
	});

	it("uses the person's GitHub sign-in as their GitHub connection, ignoring expired tokens", async () => {
		expect(await repos.githubSourceForUser(context, { userId: alice.id, apiUrl: githubUrl })).toBeNull();
		await context.db.insert(schema.authAccounts).values({
			id: "acct-expired",
			userId: alice.id,
			accountId: "gh-1",
			providerId: "github",
			accessToken: "stale-token",
			accessTokenExpiresAt: new Date(Date.now() - 60_000),
		});
		expect(await repos.githubSourceForUser(context, { userId: alice.id, apiUrl: githubUrl })).toBeNull();
		await context.db.insert(schema.authAccounts).values({
			id: "acct-live",
			userId: alice.id,
			accountId: "gh-1",
			providerId: "github",
			accessToken: acmeToken,
		});
		const source = await repos.githubSourceForUser(context, { userId: alice.id, apiUrl: githubUrl });
		expect((await source?.listRepositories())?.map((repository) => repository.fullName)).toEqual([
			"acme/api",
			"acme/web",
		]);
	});

	it("keeps organizations apart: search, get and delete see only their own", async () => {
		const mine = await repos.listRepos(context, { organizationId: acme.id, search: "trunk" });
		expect(mine.map((repo) => repo.name)).toEqual(["trunk-app"]);
		expect(await repos.listRepos(context, { organizationId: globex.id })).toEqual([]);
		const target = mine[0];
		if (!target) throw new Error("expected a repo");
		await expect(
			repos.getRepo(context, { organizationId: globex.id, repoId: target.id }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
		await expect(
			repos.deleteRepo(context, { organizationId: globex.id, repoId: target.id }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
		await repos.deleteRepo(context, { organizationId: acme.id, repoId: target.id });
		expect(await repos.listRepos(context, { organizationId: acme.id, search: "trunk" })).toEqual([]);
	});
});
