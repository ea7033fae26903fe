import { randomBytes } from "node:crypto";
import { integrations, orgs } from "@proliferate/services";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubAppSetupPath } from "../lib/github-app-setup";
import { githubConfig } from "./github";
import { handleGithubAppSetup } from "./github-app-setup";
import { createWebHarness, type TestUser, type WebHarness } from "./testing/harness";

/**
 * Installing the GitHub App from the integrations page, against real PostgreSQL and the shared fake
 * GitHub: `integrations.startGithubAppInstall` → GitHub's installation page (the fake approves and
 * redirects) → the Setup URL route, which checks the state and the installation before storing it.
 */
describe("GitHub App installation from the integrations page", () => {
	let harness: WebHarness;
	let github: FakeGithub;
	let owner: TestUser;
	let admin: TestUser;
	let member: TestUser;
	let stranger: TestUser;
	let organizationId: string;
	let strangerOrganizationId: string;
	const webUrl = "http://localhost:3000";
	const setupUrl = `${webUrl}${githubAppSetupPath}`;

	beforeAll(async () => {
		github = await createFakeGithub();
		github.addRepository("octo-org/engine", { private: true });
		github.addRepository("octo-org/docs");
		github.addRepository("someone-else/secret", { private: true });
		harness = await createWebHarness({
			env: {
				WEB_URL: webUrl,
				GITHUB_API_URL: github.url,
				GITHUB_OAUTH_URL: github.url,
				GITHUB_APP_ID: github.app.appId,
				GITHUB_APP_PRIVATE_KEY: github.app.privateKey,
				GITHUB_APP_SLUG: github.app.slug,
				SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
			},
		});
		owner = await harness.createUser({ email: "owner@octo.dev" });
		admin = await harness.createUser({ email: "admin@octo.dev" });
		member = await harness.createUser({ email: "member@octo.dev" });
		stranger = await harness.createUser({ email: "stranger@elsewhere.dev" });
		organizationId = (await harness.clientFor(owner.headers).orgs.create({ name: "Octo" })).id;
		await orgs.addMember(harness.web.services, { organizationId, userId: admin.id, role: "admin" });
		await orgs.addMember(harness.web.services, { organizationId, userId: member.id, role: "member" });
		for (const user of [admin, member]) await harness.clientFor(user.headers).orgs.switch({ organizationId });
		strangerOrganizationId = (await harness.clientFor(stranger.headers).orgs.create({ name: "Elsewhere" }))
			.id;
	});
	afterAll(async () => {
		await harness?.close();
		await github?.close();
	});

	const connectionsOf = (orgId: string) =>
		integrations.listConnections(harness.web.services, { organizationId: orgId });

	/** The browser's trip: our start → GitHub's installation page → back to the Setup URL route. */
	async function install(
		user: TestUser,
		onInstall: Omit<Parameters<FakeGithub["app"]["onInstall"]>[0], "setupUrl">,
	) {
		const { url } = await harness.clientFor(user.headers).integrations.startGithubAppInstall();
		github.app.onInstall({ setupUrl, ...onInstall });
		const page = await fetch(url, { redirect: "manual" });
		expect(page.status).toBe(302);
		return returnTo(user, page.headers.get("location") ?? "");
	}

	/** GitHub sending `user`'s browser to the Setup URL; where the route redirects. */
	async function returnTo(user: TestUser | null, location: string): Promise<URL> {
		const response = await handleGithubAppSetup(
			harness.web,
			new Request(location, { headers: user?.headers ?? new Headers() }),
		);
		expect(response.status).toBe(303);
		const back = new URL(response.headers.get("location") ?? "");
		expect(`${back.origin}${back.pathname}`).toBe(`${webUrl}/settings/integrations`);
		return back;
	}

	const setupLocation = (params: Record<string, string>) => `${setupUrl}?${new URLSearchParams(params)}`;

	it("offers the App to owners and admins, with a signed state on GitHub's installation page", async () => {
		const client = harness.clientFor(owner.headers);
		expect(await client.integrations.githubApp()).toEqual({
			configured: true,
			slug: github.app.slug,
			missing: [],
		});
		const { url } = await client.integrations.startGithubAppInstall();
		const start = new URL(url);
		expect(`${start.origin}${start.pathname}`).toBe(
			`${github.url}/apps/${github.app.slug}/installations/new`,
		);
		expect(start.searchParams.get("state")).toMatch(/^[\w-]+\.[\w-]+$/);
		await expect(
			harness.clientFor(member.headers).integrations.startGithubAppInstall(),
		).rejects.toMatchObject({ code: "FORBIDDEN" });
		await expect(harness.clientFor().integrations.startGithubAppInstall()).rejects.toMatchObject({
			code: "UNAUTHORIZED",
		});
	});

	it("stores the installation for the organization, and acts through it with an installation token", async () => {
		const back = await install(admin, { account: "octo-org" });
		expect(back.searchParams.get("connected")).toBe("github");
		const [connection] = await connectionsOf(organizationId);
		expect(connection).toMatchObject({
			id: back.searchParams.get("connection"),
			kind: "github_app",
			accountLogin: "octo-org",
			installationId: github.app.installationId("octo-org"),
			apiUrl: github.url,
		});
		expect(await connectionsOf(strangerOrganizationId)).toEqual([]);

		const minted = github.installationTokensMinted();
		const client = await integrations.githubClientFor(
			harness.web.services,
			{ organizationId, owner: "octo-org" },
			githubConfig(harness.env),
		);
		expect(await client.gitToken()).toMatch(/^ghs_/);
		expect(github.installationTokensMinted()).toBe(minted + 1);
		const repositories = await harness.clientFor(admin.headers).repos.github();
		expect(repositories.map((repository: { fullName: string }) => repository.fullName)).toEqual([
			"octo-org/docs",
			"octo-org/engine",
		]);
	});

	it("refuses a state used twice", async () => {
		const { url } = await harness.clientFor(owner.headers).integrations.startGithubAppInstall();
		github.app.onInstall({ setupUrl, account: "octo-twice" });
		const location = (await fetch(url, { redirect: "manual" })).headers.get("location") ?? "";
		expect((await returnTo(owner, location)).searchParams.get("connected")).toBe("github");
		const again = await returnTo(owner, location);
		expect(again.searchParams.get("github_error")).toBe("state_used");
		expect(again.searchParams.get("connected")).toBeNull();
	});

	it("refuses an expired, tampered, missing or another user's state, storing nothing", async () => {
		const before = (await connectionsOf(organizationId)).length;
		const installationId = github.app.installationId("octo-state");
		const expired = await integrations.createGithubAppState(harness.web.services, {
			organizationId,
			userId: owner.id,
			secret: harness.env.AUTH_SECRET,
			now: new Date(Date.now() - 11 * 60_000),
		});
		const fresh = await integrations.createGithubAppState(harness.web.services, {
			organizationId,
			userId: owner.id,
			secret: harness.env.AUTH_SECRET,
		});
		const [payload = "", signature = ""] = fresh.split(".");
		const forged = Buffer.from(
			JSON.stringify({
				...JSON.parse(Buffer.from(payload, "base64url").toString()),
				o: strangerOrganizationId,
			}),
		).toString("base64url");
		const foreignSecret = await integrations.createGithubAppState(harness.web.services, {
			organizationId,
			userId: owner.id,
			secret: "another-deployment's-secret-of-32-characters",
		});
		const cases: [string, TestUser | null, Record<string, string>][] = [
			["state_expired", owner, { state: expired }],
			["state_invalid", owner, { state: `${forged}.${signature}` }],
			["state_invalid", owner, { state: `${payload}.${signature.slice(0, -2)}xx` }],
			["state_invalid", owner, { state: foreignSecret }],
			["state_invalid", owner, { state: "not-a-state" }],
			["state_invalid", owner, {}],
			["state_wrong_user", stranger, { state: fresh }],
			["signed_out", null, { state: fresh }],
		];
		for (const [code, user, params] of cases) {
			const back = await returnTo(
				user,
				setupLocation({ installation_id: installationId, setup_action: "install", ...params }),
			);
			expect({ params, error: back.searchParams.get("github_error") }).toEqual({ params, error: code });
		}
		expect(await connectionsOf(organizationId)).toHaveLength(before);
		expect(await connectionsOf(strangerOrganizationId)).toEqual([]);
		// The untouched state still works for the user it was issued to (none of the above spent it).
		const back = await returnTo(
			owner,
			setupLocation({ installation_id: installationId, setup_action: "install", state: fresh }),
		);
		expect(back.searchParams.get("connected")).toBe("github");
	});

	it("stores nothing for an organization the user does not manage (a member, or another organization)", async () => {
		const asMember = await integrations.createGithubAppState(harness.web.services, {
			organizationId,
			userId: member.id,
			secret: harness.env.AUTH_SECRET,
		});
		const otherOrganization = await integrations.createGithubAppState(harness.web.services, {
			organizationId: strangerOrganizationId,
			userId: owner.id,
			secret: harness.env.AUTH_SECRET,
		});
		const installationId = github.app.installationId("octo-foreign");
		for (const [user, state] of [
			[member, asMember],
			[owner, otherOrganization],
		] as const) {
			const back = await returnTo(
				user,
				setupLocation({ installation_id: installationId, setup_action: "install", state }),
			);
			expect(back.searchParams.get("github_error")).toBe("not_admin");
		}
		expect((await connectionsOf(organizationId)).map((connection) => connection.accountLogin)).not.toContain(
			"octo-foreign",
		);
		expect(await connectionsOf(strangerOrganizationId)).toEqual([]);
	});

	it("says an organization owner must approve a requested installation", async () => {
		const before = await connectionsOf(organizationId);
		const back = await install(admin, { account: "octo-approval", setupAction: "request" });
		expect(back.searchParams.get("github_error")).toBe("request");
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("refuses an installation GitHub does not know", async () => {
		const before = await connectionsOf(organizationId);
		const back = await install(owner, { account: "octo-ghost", installationId: "987654" });
		expect(back.searchParams.get("github_error")).toBe("installation_not_found");
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("says GitHub is unavailable when it answers 5xx, storing nothing", async () => {
		const before = await connectionsOf(organizationId);
		const { url } = await harness.clientFor(owner.headers).integrations.startGithubAppInstall();
		github.app.onInstall({ setupUrl, account: "octo-down" });
		const location = (await fetch(url, { redirect: "manual" })).headers.get("location") ?? "";
		// The first try and both retries of GET /app/installations/{id}.
		github.failNext(3, 502);
		const back = await returnTo(owner, location);
		expect(back.searchParams.get("github_error")).toBe("github_unavailable");
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("without the App configured, says which settings are missing and refuses to start or finish", async () => {
		const bare = await createWebHarness({
			env: {
				GITHUB_API_URL: github.url,
				GITHUB_APP_ID: github.app.appId,
				GITHUB_APP_PRIVATE_KEY: github.app.privateKey,
				SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
			},
		});
		try {
			const user = await bare.createUser({ email: "operator@bare.dev" });
			const client = bare.clientFor(user.headers);
			await client.orgs.create({ name: "Bare" });
			expect(await client.integrations.githubApp()).toEqual({
				configured: false,
				slug: null,
				missing: ["GITHUB_APP_SLUG"],
			});
			await expect(client.integrations.startGithubAppInstall()).rejects.toMatchObject({
				code: "PRECONDITION_FAILED",
				message: expect.stringContaining("GITHUB_APP_SLUG"),
			});
			const response = await handleGithubAppSetup(
				bare.web,
				new Request(`${setupUrl}?installation_id=1&setup_action=install&state=x`, { headers: user.headers }),
			);
			expect(new URL(response.headers.get("location") ?? "").searchParams.get("github_error")).toBe(
				"app_not_configured",
			);
		} finally {
			await bare.close();
		}
	});
});
