import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createSilentLogger } from "@proliferate/logger";
import { integrations, orgs, repos } from "@proliferate/services";
import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneSource } from "./session/pull-requests";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

/**
 * A private repository imported through the organization's GitHub App installation, in a real
 * session: the sandbox clones it over git HTTP with a short-lived installation token (remote
 * sandboxes clone http(s) URLs with the token; the fake GitHub serves the repository and refuses
 * anonymous reads), and the token stays out of the repository's URL and the workspace; a branch is
 * pushed to the fake GitHub and a pull request opened through one resolution of the connection.
 */
let platform: TestPlatform;
let root: string;
let installationId: string;
let repo: repos.Repo;
let sessionId: string;

/** The session's first settled status: running, or failed with its reason. */
const settled = (events: SessionEvent[]) =>
	events.find(
		(event): event is Extract<SessionEvent, { type: "session.status" }> =>
			event.type === "session.status" && (event.status === "running" || event.status === "failed"),
	);

beforeAll(async () => {
	platform = await createTestPlatform({ e2b: true });
	root = mkdtempSync(join(tmpdir(), "gateway-github-"));
	const source = createDemoRepo(join(root, "private-app"));
	platform.github.addRepository("acme-corp/private-app", { private: true, source: source.path });
	installationId = platform.github.app.installationId("acme-corp");
	await integrations.connectGithubApp(
		platform.services,
		{ organizationId: platform.organizationId, installationId },
		platform.githubConfig,
	);
	repo = await repos.addRepo(platform.services, {
		organizationId: platform.organizationId,
		source: { kind: "github", fullName: "acme-corp/private-app" },
		allowLocalPaths: false,
		github: platform.githubConfig,
	});
	// Remote sandboxes (E2B here) clone http(s) URLs with the token.
	await orgs.setSandboxProviderOverride(platform.services, {
		organizationId: platform.organizationId,
		provider: "e2b",
	});
}, 180_000);

afterAll(async () => {
	await platform?.close();
	if (root) rmSync(root, { recursive: true, force: true });
});

describe("private GitHub repositories through the organization's GitHub App installation", () => {
	it("imports the repository without credentials in its URL", () => {
		expect(repo).toMatchObject({
			sourceKind: "github",
			githubFullName: "acme-corp/private-app",
			defaultBranch: "main",
			url: `${platform.github.url}/git/acme-corp/private-app.git`,
		});
	});

	it("clones it into the session's sandbox with an installation token that is not left behind", async () => {
		const minted = platform.github.installationTokensMinted(installationId);
		const http = await platform.http();
		const { session } = await http.createSession({ repoId: repo.id, title: "private" });
		sessionId = session.id;
		const client = platform.connect(sessionId, await platform.userToken(sessionId));
		const status = await waitFor(() => settled(client.events), 150_000, "the session to boot");
		expect({ status: status.status, message: status.message }).toEqual({
			status: "running",
			message: "Ready",
		});
		expect(platform.github.installationTokensMinted(installationId)).toBe(minted + 1);
		const clones = platform.github.requests.filter(
			(request) => request.path === "/git/acme-corp/private-app.git/git-upload-pack",
		);
		expect(clones.length).toBeGreaterThan(0);
		expect(clones.every((request) => request.auth.startsWith("Basic "))).toBe(true);

		const workspace = await client.stream.runCommand(
			"git log --format=%s -1 && git remote get-url origin && cat package.json | head -2 && (grep -rl ghs_ .git || echo clean)",
		);
		const lines = workspace.stdout.trim().split("\n");
		expect(lines[1]).toBe(repo.url);
		expect(workspace.stdout).toContain('"name"');
		expect(lines.at(-1)).toBe("clean");
	}, 240_000);

	it("pushes a branch to GitHub and opens a pull request, minting one installation token per pull request", async () => {
		const client = platform.connect(sessionId, await platform.userToken(sessionId), 0);
		await waitFor(() => client.stream.state === "open", 10_000, "client open");
		await client.stream.git.createBranch("feature/notes");
		// No identity is set here: the sandbox's default commits.
		const edit = await client.stream.runCommand("echo '# Notes' > NOTES.md && echo ok");
		expect(edit.stdout.trim()).toBe("ok");
		await client.stream.git.commit("Add notes", {});

		const minted = platform.github.installationTokensMinted(installationId);
		const pull = (await client.stream.git.createPullRequest({
			title: "Add notes",
			body: "From a session",
		})) as {
			url: string;
			number: number;
			existing: boolean;
		};
		expect(pull).toMatchObject({ url: "https://github.com/acme-corp/private-app/pull/1", existing: false });
		// One connection resolution: the token git pushed with also opened the pull request.
		expect(platform.github.installationTokensMinted(installationId)).toBe(minted + 1);
		expect(platform.github.pulls).toMatchObject([
			{
				repo: "acme-corp/private-app",
				head: "feature/notes",
				base: "main",
				title: "Add notes",
				body: "From a session",
			},
		]);
		// The branch really reached GitHub (the fake refuses pull requests for unknown branches).
		const pushed = execFileSync("git", [
			"--git-dir",
			platform.github.gitDir("acme-corp/private-app"),
			"log",
			"--format=%s",
			"-1",
			"feature/notes",
		]);
		expect(pushed.toString().trim()).toBe("Add notes");
		const apiCalls = platform.github.requests.filter((request) => request.path.endsWith("/pulls"));
		const tokenUsed = apiCalls.at(-1)?.auth.replace(/^token /, "") ?? "";
		const pushes = platform.github.requests.filter(
			(request) => request.path === "/git/acme-corp/private-app.git/git-receive-pack",
		);
		expect(pushes.at(-1)?.auth).toBe(
			`Basic ${Buffer.from(`x-access-token:${tokenUsed}`).toString("base64")}`,
		);

		const again = (await client.stream.git.createPullRequest({ title: "Again" })) as { existing: boolean };
		expect(again.existing).toBe(true);
		expect(platform.github.installationTokensMinted(installationId)).toBe(minted + 2);
		expect(platform.github.pulls).toHaveLength(1);
		await waitFor(
			() =>
				client.events.some(
					(event) =>
						event.type === "git.result" &&
						event.action === "create_pr" &&
						event.success &&
						event.prUrl === pull.url,
				),
			10_000,
			"the pull request's git result",
		);
	}, 120_000);
});

describe("what sandboxes clone with", () => {
	it("adds a token only for GitHub repositories over HTTP(S); when GitHub fails, imports fail loudly and plain URLs clone without one", async () => {
		const deps = { services: platform.services, github: platform.githubConfig, logger: createSilentLogger() };
		const local = await repos.getRepo(platform.services, {
			organizationId: platform.organizationId,
			repoId: platform.repoId,
		});
		const minted = platform.github.installationTokensMinted();
		expect(await cloneSource(deps, platform.organizationId, local, "main")).toEqual({
			url: local.url,
			branch: "main",
		});
		expect(await cloneSource({ ...deps, github: undefined }, platform.organizationId, repo)).toEqual({
			url: repo.url,
		});
		expect(platform.github.installationTokensMinted()).toBe(minted);
		expect((await cloneSource(deps, platform.organizationId, repo)).token).toMatch(/^ghs_/);

		// The same repository added by URL (a git_url with its GitHub name).
		const byUrl = await repos.createRepo(platform.services, {
			organizationId: platform.organizationId,
			name: "private-app-by-url",
			url: repo.url,
			sourceKind: "git_url",
			githubFullName: "acme-corp/private-app",
		});
		expect((await cloneSource(deps, platform.organizationId, byUrl)).token).toMatch(/^ghs_/);
		// GitHub fails to mint the installation token (writes are not retried).
		platform.github.failNext(1, 503);
		await expect(cloneSource(deps, platform.organizationId, repo)).rejects.toMatchObject({
			code: "GITHUB_REQUEST_FAILED",
		});
		platform.github.failNext(1, 503);
		expect(await cloneSource(deps, platform.organizationId, byUrl)).toEqual({ url: repo.url });

		// An organization without a connection: public repositories clone without a token.
		const elsewhere = await repos.createRepo(platform.services, {
			organizationId: platform.otherOrganizationId,
			url: repo.url,
			sourceKind: "git_url",
			githubFullName: "acme-corp/private-app",
		});
		expect(await cloneSource(deps, platform.otherOrganizationId, elsewhere)).toEqual({ url: repo.url });
	});
});
