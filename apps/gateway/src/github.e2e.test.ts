import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { integrations, orgs, repos } from "@proliferate/services";
import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

/**
 * A private repository imported through the organization's GitHub App installation, in a real
 * session: the sandbox clones it over git HTTP with a short-lived installation token (remote
 * sandboxes clone http(s) URLs with the token; the fake GitHub serves the repository and refuses
 * anonymous reads), and the token stays out of the repository's URL and the workspace.
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
});
