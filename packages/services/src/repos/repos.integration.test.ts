import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DatabaseHandle } from "../db/client";
import { integrations, orgs, repos } from "../index";

const run = promisify(execFile);

let database: TestDatabase;
let handle: DatabaseHandle;
let context: { db: DatabaseHandle["db"] };
let acme: orgs.Organization;
let globex: orgs.Organization;
let initech: orgs.Organization;
let root: string;
let trunkRepo: string;
let github: FakeGithub;
let config: integrations.GithubConfig;
let aliceToken: string;
let globexToken: string;

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
	const alice = await orgs.createUser(context, { name: "Alice", email: "alice@acme.test" });
	const bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	const ian = await orgs.createUser(context, { name: "Ian", email: "ian@initech.test" });
	acme = await orgs.createOrganization(context, { name: "Acme", ownerUserId: alice.id });
	globex = await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id });
	initech = await orgs.createOrganization(context, { name: "Initech", ownerUserId: ian.id });
	root = mkdtempSync(join(tmpdir(), "repos-test-"));
	trunkRepo = join(root, "trunk-app");
	mkdirSync(trunkRepo);
	git(trunkRepo, "init", "--quiet", "--initial-branch=trunk");
	writeFileSync(join(trunkRepo, "README.md"), "# trunk\n");
	git(trunkRepo, "add", "-A");
	git(trunkRepo, "commit", "--quiet", "-m", "init");
	github = await createFakeGithub();
	config = {
		apiUrl: github.url,
		app: { appId: github.app.appId, privateKey: github.app.privateKey },
		secretBox: new integrations.SecretBox(randomBytes(32).toString("hex")),
	};
	aliceToken = github.addUserToken("alice");
	globexToken = github.addUserToken("globex-bot");
	github.addRepository("alice/widgets");
	github.addRepository("alice/notes", { private: true, defaultBranch: "develop" });
	github.addRepository("bob/lib", { private: true, collaborators: ["alice"] });
	github.addRepository("acme-corp/site");
	// A private repository with history: served over git HTTP, cloned with the connection's token.
	github.addRepository("acme-corp/api", { private: true, source: trunkRepo });
	github.addRepository("globex-bot/secret", { private: true });
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

describe("importing from the organization's GitHub connection", () => {
	const importGithub = (organizationId: string, fullName: string, github = config) =>
		repos.addRepo(context, {
			organizationId,
			source: { kind: "github", fullName },
			allowLocalPaths: false,
			github,
		});

	it("through a token: lists what the token's user sees (private and collaborations too) and imports with GitHub's default branch", async () => {
		await integrations.connectGithubToken(context, { organizationId: acme.id, token: aliceToken }, config);
		const listed = await repos.listGithubRepositories(context, { organizationId: acme.id }, config);
		expect(listed).toEqual([
			expect.objectContaining({ fullName: "alice/notes", private: true, account: "alice", added: false }),
			expect.objectContaining({ fullName: "alice/widgets", private: false, account: "alice", added: false }),
			expect.objectContaining({ fullName: "bob/lib", private: true, account: "alice", added: false }),
		]);
		expect(
			(await repos.listGithubRepositories(context, { organizationId: acme.id, search: "NOTE" }, config)).map(
				(repository) => repository.fullName,
			),
		).toEqual(["alice/notes"]);

		const repo = await importGithub(acme.id, " alice/notes ");
		expect(repo).toMatchObject({
			name: "alice/notes",
			sourceKind: "github",
			defaultBranch: "develop",
			githubFullName: "alice/notes",
			url: `${github.url}/git/alice/notes.git`,
		});
		const again = await repos.listGithubRepositories(context, { organizationId: acme.id }, config);
		expect(again.find((repository) => repository.fullName === "alice/notes")?.added).toBe(true);
		await expect(importGithub(acme.id, "alice/notes")).rejects.toMatchObject({ code: "REPO_NAME_TAKEN" });
	});

	it("through a GitHub App installation: its repositories, and a private one cloned with a short-lived installation token", async () => {
		const installationId = github.app.installationId("acme-corp");
		await integrations.connectGithubApp(context, { organizationId: acme.id, installationId }, config);
		// Both connections: each lists what it acts for (bob/lib through alice's token, the only token).
		const listed = await repos.listGithubRepositories(context, { organizationId: acme.id }, config);
		expect(listed.map((repository) => [repository.fullName, repository.account])).toEqual([
			["acme-corp/api", "acme-corp"],
			["acme-corp/site", "acme-corp"],
			["alice/notes", "alice"],
			["alice/widgets", "alice"],
			["bob/lib", "alice"],
		]);
		expect(
			github.requests.some(
				(request) => request.path === "/installation/repositories" && /^token ghs_/.test(request.auth),
			),
		).toBe(true);

		const repo = await importGithub(acme.id, "acme-corp/api");
		expect(repo).toMatchObject({
			sourceKind: "github",
			defaultBranch: "trunk",
			githubFullName: "acme-corp/api",
		});
		expect(repo.url).toBe(`${github.url}/git/acme-corp/api.git`);

		const anonymous = join(root, "clone-anonymous");
		await expect(run("git", ["clone", "--quiet", repo.url, anonymous], { env: gitEnv })).rejects.toThrow(
			/could not read Username|Authentication/,
		);
		const minted = github.installationTokensMinted(installationId);
		const token = await integrations.githubCloneToken(
			context,
			{ organizationId: acme.id, repoFullName: "acme-corp/api" },
			config,
		);
		expect(token).toMatch(/^ghs_/);
		expect(github.installationTokensMinted(installationId)).toBe(minted + 1);
		const cloned = join(root, "clone-with-token");
		await run("git", ["clone", "--quiet", withToken(repo.url, token ?? ""), cloned], { env: gitEnv });
		expect(readFileSync(join(cloned, "README.md"), "utf8")).toBe("# trunk\n");

		// A token connection's own token clones what its user can see.
		expect(
			await integrations.githubCloneToken(
				context,
				{ organizationId: acme.id, repoFullName: "bob/lib" },
				config,
			),
		).toBe(aliceToken);
	});

	it("pages through every repository of a large installation", async () => {
		for (let index = 0; index < 130; index++) {
			github.addRepository(`bigco/service-${String(index).padStart(3, "0")}`, { private: index % 2 === 0 });
		}
		const installationId = github.app.installationId("bigco");
		await integrations.connectGithubApp(context, { organizationId: initech.id, installationId }, config);
		const before = github.requests.length;
		const listed = await repos.listGithubRepositories(context, { organizationId: initech.id }, config);
		expect(listed).toHaveLength(130);
		expect(listed.at(-1)?.fullName).toBe("bigco/service-129");
		const pages = github.requests
			.slice(before)
			.filter((request) => request.path === "/installation/repositories");
		expect(pages).toHaveLength(2);
		await integrations.removeConnection(context, {
			organizationId: initech.id,
			connectionId:
				(await integrations.listConnections(context, { organizationId: initech.id }))[0]?.id ?? "",
		});
	});

	it("fails clearly: no connection, a repository the connection cannot see, a malformed name, a revoked token", async () => {
		await expect(importGithub(initech.id, "acme-corp/api")).rejects.toMatchObject({
			code: "GITHUB_NOT_CONNECTED",
			kind: "precondition_failed",
			message: expect.stringContaining("Settings → Integrations"),
		});
		await expect(
			repos.listGithubRepositories(context, { organizationId: initech.id }, config),
		).rejects.toMatchObject({ code: "GITHUB_NOT_CONNECTED" });
		await expect(
			repos.addRepo(context, {
				organizationId: acme.id,
				source: { kind: "github", fullName: "acme-corp/api" },
				allowLocalPaths: false,
			}),
		).rejects.toMatchObject({ code: "GITHUB_NOT_CONNECTED" });
		expect(
			await integrations.githubCloneToken(
				context,
				{ organizationId: initech.id, repoFullName: "acme-corp/api" },
				config,
			),
		).toBeNull();

		await expect(importGithub(acme.id, "acme-corp/missing")).rejects.toMatchObject({
			code: "GITHUB_REQUEST_FAILED",
			kind: "not_found",
		});
		// Private to globex-bot: acme's connections (alice's token acts for other owners) cannot see it.
		await expect(importGithub(acme.id, "globex-bot/secret")).rejects.toMatchObject({ kind: "not_found" });
		for (const malformed of ["../etc", "acme-corp/..", "acme-corp/api/pulls", "acme corp/api"]) {
			await expect(importGithub(acme.id, malformed)).rejects.toMatchObject({ kind: "invalid_input" });
		}

		const revocable = github.addUserToken("carol");
		github.addRepository("carol/tool", { private: true });
		await integrations.connectGithubToken(context, { organizationId: initech.id, token: revocable }, config);
		github.revokeToken(revocable);
		await expect(importGithub(initech.id, "carol/tool")).rejects.toMatchObject({
			code: "GITHUB_AUTH_FAILED",
			message: expect.stringContaining("Bad credentials"),
		});
		await expect(
			repos.listGithubRepositories(context, { organizationId: initech.id }, config),
		).rejects.toMatchObject({ code: "GITHUB_AUTH_FAILED" });
		expect(await repos.listRepos(context, { organizationId: initech.id })).toEqual([]);
	});

	it("never uses another organization's connection", async () => {
		await integrations.connectGithubToken(context, { organizationId: globex.id, token: globexToken }, config);
		const listed = await repos.listGithubRepositories(context, { organizationId: globex.id }, config);
		expect(listed.map((repository) => repository.fullName)).toEqual(["globex-bot/secret"]);
		expect(listed.every((repository) => !repository.added)).toBe(true);

		const before = github.requests.length;
		await expect(importGithub(globex.id, "acme-corp/api")).rejects.toMatchObject({ kind: "not_found" });
		await expect(importGithub(globex.id, "alice/notes")).rejects.toMatchObject({ kind: "not_found" });
		const asked = github.requests.slice(before);
		expect(asked.map((request) => request.path)).toEqual(["/repos/acme-corp/api", "/repos/alice/notes"]);
		expect(asked.every((request) => request.auth === `token ${globexToken}`)).toBe(true);
		// The clone token for acme's repositories is globex's own (which cannot read them), never acme's.
		expect(
			await integrations.githubCloneToken(
				context,
				{ organizationId: globex.id, repoFullName: "acme-corp/api" },
				config,
			),
		).toBe(globexToken);
		expect(await repos.listRepos(context, { organizationId: globex.id })).toEqual([]);
		const imported = await importGithub(globex.id, "globex-bot/secret");
		expect(imported).toMatchObject({ organizationId: globex.id, githubFullName: "globex-bot/secret" });
	});
});

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" };

function withToken(url: string, token: string): string {
	const parsed = new URL(url);
	parsed.username = "x-access-token";
	parsed.password = token;
	return parsed.toString();
}
