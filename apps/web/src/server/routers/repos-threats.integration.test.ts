import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { repos } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";

/**
 * The hostile and duplicate-delivery cases of repos-prebuilds.md § Threat and fault model that the
 * feature tests leave out: oversized input, option-like and credential-prompting sources, and the
 * same repository added twice at once (a double-clicked "Add").
 */
describe("repos: hostile and duplicate submissions", () => {
	let harness: WebHarness;
	let owner: TestUser;
	let organizationId: string;
	let root: string;
	let demoPath: string;

	beforeAll(async () => {
		root = mkdtempSync(join(tmpdir(), "web-repos-threats-"));
		demoPath = createDemoRepo(join(root, "demo-app")).path;
		harness = await createWebHarness();
		owner = await harness.createUser({ email: "owner@repos-threats.dev" });
		organizationId = (await harness.clientFor(owner.headers).account.me()).organization.id;
	}, 120_000);
	afterAll(async () => {
		await harness?.close();
		if (root) rmSync(root, { recursive: true, force: true });
	});

	const repositoryNames = async () =>
		(await repos.listRepos(harness.web.services, { organizationId })).map((repo) => repo.name);

	it("refuses oversized and malformed input with 400, storing nothing", async () => {
		const client = harness.clientFor(owner.headers);
		const huge = "x".repeat(100_000);
		const calls: [string, () => Promise<unknown>][] = [
			[
				"huge git URL",
				() => client.repos.add({ source: { kind: "git_url", url: `https://example.com/${huge}` } }),
			],
			["huge local path", () => client.repos.add({ source: { kind: "local_path", path: `/${huge}` } })],
			["huge GitHub name", () => client.repos.add({ source: { kind: "github", fullName: `a/${huge}` } })],
			["huge name", () => client.repos.add({ source: { kind: "local_path", path: demoPath }, name: huge })],
			["huge search", () => client.repos.list({ search: huge })],
			["repository id not a uuid", () => client.repos.delete({ repoId: "../../etc" })],
			["source of the wrong shape", () => client.repos.add({ source: { kind: "git_url" } as never })],
		];
		for (const [label, call] of calls)
			await expect(call(), label).rejects.toMatchObject({ code: "BAD_REQUEST" });
		expect(await repositoryNames()).toEqual([]);
	});

	it("refuses option-like URLs and never waits for credentials", async () => {
		const client = harness.clientFor(owner.headers);
		await expect(
			client.repos.add({ source: { kind: "git_url", url: "--upload-pack=touch /tmp/pwned" } }),
		).rejects.toMatchObject({ code: "BAD_REQUEST" });
		// A server that asks for a password: git must fail at once instead of prompting.
		await expect(
			client.repos.add({ source: { kind: "git_url", url: "https://user@127.0.0.1:9/private.git" } }),
		).rejects.toMatchObject({ code: "BAD_REQUEST", data: { code: "REPO_UNREACHABLE" } });
		expect(await repositoryNames()).toEqual([]);
	});

	it("stores one repository when the same add arrives twice at once; the others are told the name is taken", async () => {
		const client = harness.clientFor(owner.headers);
		const add = () => client.repos.add({ source: { kind: "local_path", path: demoPath }, name: "twice" });
		// Straight to the service as well: no probe in between, so the requests really overlap.
		const create = () =>
			repos.createRepo(harness.web.services, {
				organizationId,
				sourceKind: "local_path",
				url: demoPath,
				name: "twice",
			});
		const results = await Promise.allSettled([add(), add(), create(), create(), create(), create()]);
		expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
		for (const result of results)
			if (result.status === "rejected")
				expect(result.reason).toMatchObject({ code: expect.stringMatching(/^(CONFLICT|REPO_NAME_TAKEN)$/) });
		expect(await repositoryNames()).toEqual(["twice"]);
	});
});
