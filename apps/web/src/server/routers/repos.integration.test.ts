import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestClient, type TestUser, type WebHarness } from "../testing/harness";

/** Repository procedures: add (local path, git URL), list and search, get, delete, sources. */
let harness: WebHarness;
let hosted: WebHarness;
let owner: TestUser;
let client: TestClient;
let root: string;
let demoPath: string;

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), "web-repos-"));
	demoPath = createDemoRepo(join(root, "demo-app")).path;
	harness = await createWebHarness();
	// A hosted deployment (sandboxes elsewhere): local paths make no sense there.
	hosted = await createWebHarness({ env: { SANDBOX_PROVIDER: "e2b" } });
	owner = await harness.createUser({ name: "Rita Repo", email: "rita@repos.test" });
	client = harness.clientFor(owner.headers);
}, 120_000);

afterAll(async () => {
	await harness?.close();
	await hosted?.close();
	if (root) rmSync(root, { recursive: true, force: true });
});

describe("repos procedures", () => {
	it("offers local paths in self-hosted mode only", async () => {
		expect(await client.repos.sources()).toEqual({ localPaths: true, github: false });
		const hostedUser = await hosted.createUser({ email: "henry@hosted.test" });
		const hostedClient = hosted.clientFor(hostedUser.headers);
		expect(await hostedClient.repos.sources()).toEqual({ localPaths: false, github: false });
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
