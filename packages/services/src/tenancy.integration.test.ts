import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DatabaseHandle } from "./db/client";
import { orgs, repos, sessions } from "./index";

let database: TestDatabase;
let handle: DatabaseHandle;
let context: { db: DatabaseHandle["db"] };
let alice: orgs.User;
let bob: orgs.User;
let acme: orgs.Organization;
let globex: orgs.Organization;

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 4 });
	context = { db: handle.db };
	alice = await orgs.createUser(context, { name: "Alice", email: "Alice@Acme.test" });
	bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	acme = await orgs.createOrganization(context, { name: "Acme Inc", ownerUserId: alice.id });
	globex = await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id });
});

afterAll(async () => {
	await handle?.close();
	await database?.drop();
});

describe("orgs", () => {
	it("stores emails lowercased and refuses duplicates", async () => {
		expect(alice.email).toBe("alice@acme.test");
		await expect(orgs.createUser(context, { name: "Again", email: "ALICE@acme.test" })).rejects.toMatchObject(
			{
				code: "EMAIL_TAKEN",
				kind: "conflict",
			},
		);
	});

	it("makes the creator the owner and derives a unique slug", async () => {
		expect(acme.slug).toBe("acme-inc");
		const second = await orgs.createOrganization(context, { name: "Acme Inc", ownerUserId: alice.id });
		expect(second.slug).toBe("acme-inc-2");
		const memberships = await orgs.listForUser(context, { userId: alice.id });
		expect(memberships.map((membership) => [membership.organization.slug, membership.role])).toEqual([
			["acme-inc", "owner"],
			["acme-inc-2", "owner"],
		]);
	});

	it("reports another organization as not found to a non-member", async () => {
		await expect(
			orgs.requireMembership(context, { organizationId: globex.id, userId: alice.id }),
		).rejects.toMatchObject({ kind: "not_found", code: "ORGANIZATION_NOT_FOUND" });
		const membership = await orgs.requireMembership(context, { organizationId: acme.id, userId: alice.id });
		expect(membership.role).toBe("owner");
	});
});

describe("repos", () => {
	it("creates, lists with search, and deletes repositories within one organization", async () => {
		const web = await repos.createRepo(context, {
			organizationId: acme.id,
			url: "https://github.com/acme/web.git",
			sourceKind: "git_url",
		});
		expect(web.name).toBe("acme/web");
		await repos.createRepo(context, {
			organizationId: acme.id,
			url: "/srv/git/api",
			sourceKind: "local_path",
		});
		expect((await repos.listRepos(context, { organizationId: acme.id })).map((repo) => repo.name)).toEqual([
			"acme/web",
			"api",
		]);
		expect(
			(await repos.listRepos(context, { organizationId: acme.id, search: "we" })).map((r) => r.name),
		).toEqual(["acme/web"]);
		await expect(
			repos.createRepo(context, {
				organizationId: acme.id,
				url: "https://github.com/acme/web",
				sourceKind: "git_url",
			}),
		).rejects.toMatchObject({ code: "REPO_NAME_TAKEN" });
	});

	it("rejects relative local paths and unsupported URLs", async () => {
		await expect(
			repos.createRepo(context, { organizationId: acme.id, url: "relative/path", sourceKind: "local_path" }),
		).rejects.toMatchObject({ code: "INVALID_REPO_SOURCE" });
		await expect(
			repos.createRepo(context, {
				organizationId: acme.id,
				url: "javascript:alert(1)",
				sourceKind: "git_url",
			}),
		).rejects.toMatchObject({ code: "INVALID_REPO_SOURCE" });
	});

	it("never returns or deletes another organization's repository", async () => {
		const secret = await repos.createRepo(context, {
			organizationId: globex.id,
			url: "https://github.com/globex/secret",
			sourceKind: "git_url",
		});
		await expect(
			repos.getRepo(context, { organizationId: acme.id, repoId: secret.id }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
		await expect(
			repos.deleteRepo(context, { organizationId: acme.id, repoId: secret.id }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
		expect(
			(await repos.listRepos(context, { organizationId: acme.id })).some((r) => r.id === secret.id),
		).toBe(false);
		expect((await repos.getRepo(context, { organizationId: globex.id, repoId: secret.id })).name).toBe(
			"globex/secret",
		);
		await expect(
			repos.getRepo(context, { organizationId: acme.id, repoId: "not-a-uuid" }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
	});
});

describe("sessions", () => {
	it("creates a session on the repo's default branch with a title from the prompt", async () => {
		const repo = await repos.createRepo(context, {
			organizationId: acme.id,
			url: "https://github.com/acme/sessions-demo",
			sourceKind: "git_url",
			defaultBranch: "trunk",
		});
		const session = await sessions.createSession(context, {
			organizationId: acme.id,
			repoId: repo.id,
			createdBy: alice.id,
			initialPrompt: "Fix the flaky login test\nIt fails on CI",
		});
		expect(session).toMatchObject({ status: "starting", branch: "trunk", title: "Fix the flaky login test" });
	});

	it("refuses a repository of another organization", async () => {
		const foreign = await repos.createRepo(context, {
			organizationId: globex.id,
			url: "https://github.com/globex/other",
			sourceKind: "git_url",
		});
		await expect(
			sessions.createSession(context, { organizationId: acme.id, repoId: foreign.id }),
		).rejects.toMatchObject({ kind: "not_found" });
	});

	it("enforces the status state machine", async () => {
		const session = await sessions.createSession(context, { organizationId: acme.id, title: "lifecycle" });
		const running = await sessions.transitionSession(context, {
			organizationId: acme.id,
			sessionId: session.id,
			to: "running",
		});
		expect(running.status).toBe("running");
		const paused = await sessions.transitionSession(context, {
			organizationId: acme.id,
			sessionId: session.id,
			to: "paused",
			reason: "idle",
			fields: { snapshotId: "snap-1" },
		});
		expect(paused).toMatchObject({ status: "paused", statusReason: "idle", snapshotId: "snap-1" });
		expect(paused.pausedAt).not.toBeNull();
		await expect(
			sessions.transitionSession(context, {
				organizationId: acme.id,
				sessionId: session.id,
				to: "migrating",
			}),
		).rejects.toMatchObject({ code: "INVALID_SESSION_TRANSITION" });
	});

	it("isolates sessions between organizations for get, list, rename, transition and delete", async () => {
		const theirs = await sessions.createSession(context, { organizationId: globex.id, title: "globex only" });
		const scope = { organizationId: acme.id, sessionId: theirs.id };
		await expect(sessions.getSession(context, scope)).rejects.toMatchObject({ code: "SESSION_NOT_FOUND" });
		await expect(sessions.renameSession(context, { ...scope, title: "pwned" })).rejects.toMatchObject({
			kind: "not_found",
		});
		await expect(sessions.transitionSession(context, { ...scope, to: "running" })).rejects.toMatchObject({
			kind: "not_found",
		});
		await expect(sessions.deleteSession(context, scope)).rejects.toMatchObject({ kind: "not_found" });
		const listed = await sessions.listSessions(context, { organizationId: acme.id });
		expect(listed.some((session) => session.id === theirs.id)).toBe(false);
		expect(
			(await sessions.getSession(context, { organizationId: globex.id, sessionId: theirs.id })).title,
		).toBe("globex only");
	});

	it("filters the list by status", async () => {
		const listed = await sessions.listSessions(context, { organizationId: acme.id, statuses: ["paused"] });
		expect(listed.map((session) => session.title)).toEqual(["lifecycle"]);
	});
});
