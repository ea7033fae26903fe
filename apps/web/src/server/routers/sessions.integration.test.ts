import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createScriptedModelServer, type ScriptedModelServer } from "@proliferate/scripted-model";
import { testSecret } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as sessions from "../gateway/session-lifecycle";
import type { TestClient, TestUser, WebHarness } from "../testing/harness";
import { createWebHarnessWithGateway, type HarnessWithGateway } from "../testing/harness-gateway";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

/**
 * Session lifecycle procedures against a real gateway process (local sandboxes, OpenCode, the
 * scripted model): create, list with filters, get, rename, pause, resume, snapshot, share link,
 * delete — happy paths, errors, and the shared org-scoped security cases.
 */
let harness: WebHarness;
let owner: TestUser;
let outsider: TestUser;
let client: TestClient;
let repoId: string;
let sessionId: string;
let root: string;
let model: ScriptedModelServer;
let platform: HarnessWithGateway;

async function waitForStatus(id: string, wanted: string[], timeoutMs = 120_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const session = await client.sessions.get({ sessionId: id });
		if (wanted.includes(session.status)) return session;
		if (Date.now() > deadline)
			throw new Error(`session stayed ${session.status}, wanted ${wanted.join("/")}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

beforeAll(async () => {
	model = await createScriptedModelServer({});
	platform = await createWebHarnessWithGateway("sessions", {
		PATH: process.env.PATH,
		HOME: process.env.HOME,
		AGENT_LLM_BASE_URL: model.url,
		SESSION_IDLE_TIMEOUT_SECONDS: "3600",
	});
	({ harness, root } = platform);
	owner = await harness.createUser({ name: "Olivia Owner", email: "olivia@sessions.test" });
	outsider = await harness.createUser({ name: "Oscar Outsider", email: "oscar@elsewhere.test" });
	client = harness.clientFor(owner.headers);
	const demo = createDemoRepo(join(root, "demo-app"));
	repoId = (await client.repos.add({ source: { kind: "local_path", path: demo.path } })).id;
}, 180_000);

afterAll(async () => {
	await platform?.close();
	await model?.close();
}, 60_000);

describe("sessions procedures", () => {
	it("lists the configured models: the scripted demo model without vendor keys", async () => {
		expect(await client.models.list()).toEqual([
			{ id: "demo", label: "Scripted demo model", provider: "scripted", isDefault: true },
		]);
	});

	it("creates a session through the gateway, which boots it in the background", async () => {
		const created = await client.sessions.create({ repoId, modelId: "demo", title: "Add shout" });
		sessionId = created.id;
		expect(created).toMatchObject({
			repoId,
			title: "Add shout",
			branch: "main",
			modelId: "demo",
			createdBy: owner.id,
			clientSource: "web",
		});
		expect(["starting", "running"]).toContain(created.status);
		await waitForStatus(sessionId, ["running"]);
	});

	it("refuses an unknown model, a bad branch, a malformed or another organization's repository", async () => {
		await expect(client.sessions.create({ repoId, modelId: "gpt-nope" })).rejects.toMatchObject({
			code: "BAD_REQUEST",
			data: { code: "UNKNOWN_MODEL" },
		});
		await expect(client.sessions.create({ repoId, branch: "--upload-pack=x" })).rejects.toMatchObject({
			code: "BAD_REQUEST",
			data: { code: "INVALID_BRANCH" },
		});
		await expect(client.sessions.create({ repoId: "not-a-uuid" })).rejects.toMatchObject({
			code: "BAD_REQUEST",
		});
		const outsiderRepo = await harness.clientFor(outsider.headers).repos.add({
			source: { kind: "local_path", path: join(root, "demo-app") },
		});
		await expect(client.sessions.create({ repoId: outsiderRepo.id })).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
	});

	it("lists sessions with status, repository and creator filters", async () => {
		expect((await client.sessions.list()).map((session) => session.id)).toContain(sessionId);
		expect((await client.sessions.list({ statuses: ["running"] })).map((session) => session.id)).toEqual([
			sessionId,
		]);
		expect(await client.sessions.list({ statuses: ["paused", "failed"] })).toEqual([]);
		expect((await client.sessions.list({ repoId, mine: true })).map((session) => session.id)).toEqual([
			sessionId,
		]);
		await expect(client.sessions.list({ statuses: ["sleeping" as "paused"] })).rejects.toMatchObject({
			code: "BAD_REQUEST",
		});
	});

	it("renames, refusing an empty title", async () => {
		expect((await client.sessions.rename({ sessionId, title: "  Shout helper  " })).title).toBe(
			"Shout helper",
		);
		await expect(client.sessions.rename({ sessionId, title: "   " })).rejects.toMatchObject({
			code: "BAD_REQUEST",
		});
	});

	it("issues a preview share link for a port of the running sandbox", async () => {
		const link = await client.sessions.shareLink({ sessionId, port: 3000 });
		expect(link).toMatchObject({ port: 3000 });
		expect(link.url).toMatch(/\/preview\/[A-Za-z0-9_-]{32}\/$/);
		await expect(client.sessions.shareLink({ sessionId, port: 70_000 })).rejects.toMatchObject({
			code: "BAD_REQUEST",
		});
	});

	it("snapshots a running session", async () => {
		const { snapshotId } = await client.sessions.snapshot({ sessionId });
		expect(snapshotId).toBeTruthy();
	});

	it("pauses, refuses to pause twice, resumes, and refuses to resume a running session", async () => {
		const paused = await client.sessions.pause({ sessionId });
		expect(paused.status).toBe("paused");
		await expect(client.sessions.pause({ sessionId })).rejects.toMatchObject({
			code: "CONFLICT",
			data: { code: "INVALID_SESSION_TRANSITION" },
		});
		await expect(client.sessions.snapshot({ sessionId })).rejects.toMatchObject({ code: "CONFLICT" });
		const resumed = await client.sessions.resume({ sessionId });
		expect(resumed.status).toBe("running");
		await expect(client.sessions.resume({ sessionId })).rejects.toMatchObject({ code: "CONFLICT" });
	});

	it("reports an unreachable gateway clearly and changes nothing", async () => {
		const deps = {
			context: harness.web.services,
			gateway: { baseUrl: "http://127.0.0.1:9", userSecret: testSecret("gateway") },
		};
		await expect(
			sessions.pauseSession(deps, {
				organizationId: (await client.account.me()).organization.id,
				userId: owner.id,
				sessionId,
			}),
		).rejects.toMatchObject({ code: "GATEWAY_UNAVAILABLE", kind: "unavailable" });
		expect((await client.sessions.get({ sessionId })).status).toBe("running");
	});

	it("deletes: stops the sandbox and removes the session", async () => {
		expect(await client.sessions.delete({ sessionId })).toEqual({ deleted: true });
		await expect(client.sessions.get({ sessionId })).rejects.toMatchObject({ code: "NOT_FOUND" });
		await expect(client.sessions.delete({ sessionId })).rejects.toMatchObject({ code: "NOT_FOUND" });
	});
});

describe("sessions, repos and models security", () => {
	let fixture: SecurityFixture;
	beforeAll(async () => {
		const target = await client.sessions.create({ repoId, title: "Security target" });
		await waitForStatus(target.id, ["running", "failed"]);
		fixture = {
			owner,
			outsider,
			ids: { organizationId: (await client.account.me()).organization.id, repoId, sessionId: target.id },
		};
	}, 180_000);

	itChecksOrgScopedSecurity(
		() => harness,
		() => fixture,
		[
			{ name: "sessions.list", call: (c) => c.sessions.list() },
			{ name: "sessions.get", call: (c, f) => c.sessions.get({ sessionId: f.ids.sessionId ?? "" }) },
			{ name: "sessions.create", call: (c, f) => c.sessions.create({ repoId: f.ids.repoId ?? "" }) },
			{
				name: "sessions.rename",
				call: (c, f) => c.sessions.rename({ sessionId: f.ids.sessionId ?? "", title: "x" }),
			},
			{ name: "sessions.pause", call: (c, f) => c.sessions.pause({ sessionId: f.ids.sessionId ?? "" }) },
			{ name: "sessions.resume", call: (c, f) => c.sessions.resume({ sessionId: f.ids.sessionId ?? "" }) },
			{
				name: "sessions.snapshot",
				call: (c, f) => c.sessions.snapshot({ sessionId: f.ids.sessionId ?? "" }),
			},
			{
				name: "sessions.shareLink",
				call: (c, f) => c.sessions.shareLink({ sessionId: f.ids.sessionId ?? "", port: 3000 }),
			},
			{ name: "sessions.delete", call: (c, f) => c.sessions.delete({ sessionId: f.ids.sessionId ?? "" }) },
			{ name: "repos.list", call: (c) => c.repos.list() },
			{ name: "repos.get", call: (c, f) => c.repos.get({ repoId: f.ids.repoId ?? "" }) },
			{ name: "repos.sources", call: (c) => c.repos.sources() },
			{ name: "repos.delete", call: (c, f) => c.repos.delete({ repoId: f.ids.repoId ?? "" }) },
			{ name: "models.list", call: (c) => c.models.list() },
		],
	);

	it("repos.add and repos.github (which act on the caller's own organization) need a session", async () => {
		const anonymous = harness.clientFor();
		await expect(
			anonymous.repos.add({ source: { kind: "local_path", path: join(root, "demo-app") } }),
		).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		await expect(anonymous.repos.github()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		await expect(harness.clientFor(outsider.headers).repos.github()).rejects.toMatchObject({
			code: "PRECONDITION_FAILED",
			data: { code: "GITHUB_NOT_CONNECTED" },
		});
	});

	it("leaves the owner's session and repository untouched after the outsider's attempts", async () => {
		expect((await client.sessions.get({ sessionId: fixture.ids.sessionId ?? "" })).title).toBe(
			"Security target",
		);
		expect((await client.repos.get({ repoId })).id).toBe(repoId);
	});
});
