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
 * redirects with a `code` for the installing user) → the Setup URL route, which checks the state,
 * exchanges the code with the App's OAuth client, checks the installation is one that user can
 * access (`GET /user/installations`), and only then reads and stores it.
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
				GITHUB_APP_CLIENT_ID: github.app.clientId,
				GITHUB_APP_CLIENT_SECRET: github.app.clientSecret,
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

	/** Where GitHub's installation page sends the browser (for `state`, or none), without our route. */
	async function installationPage(
		onInstall: Omit<Parameters<FakeGithub["app"]["onInstall"]>[0], "setupUrl">,
		state?: string,
	): Promise<URL> {
		github.app.onInstall({ setupUrl, ...onInstall });
		const page = new URL(`${github.url}/apps/${github.app.slug}/installations/new`);
		if (state) page.searchParams.set("state", state);
		const response = await fetch(page, { redirect: "manual" });
		expect(response.status).toBe(302);
		return new URL(response.headers.get("location") ?? "");
	}

	/** A `code` GitHub sends with an installation on `account` by `installer` (default: the account). */
	async function installCode(account: string, installer?: string): Promise<string> {
		const back = await installationPage({ account, ...(installer ? { installer } : {}) });
		return back.searchParams.get("code") ?? "";
	}

	const freshState = (user: TestUser, orgId = organizationId) =>
		integrations.createGithubAppState(harness.web.services, {
			organizationId: orgId,
			userId: user.id,
			secret: harness.env.AUTH_SECRET,
		});

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
		const back = await install(admin, { account: "octo-org", installer: "ada-octo" });
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
			setupLocation({
				installation_id: installationId,
				setup_action: "install",
				state: fresh,
				code: await installCode("octo-state"),
			}),
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

	it("refuses another account's installation of the App swapped into a valid return, storing nothing", async () => {
		// Someone else's installation of the same App (another customer's organization, private repositories).
		const victimInstallation = github.app.installationId("victim-corp");
		github.addRepository("victim-corp/crown-jewels", { private: true });
		const before = await connectionsOf(organizationId);
		const minted = github.installationTokensMinted(victimInstallation);
		// GitHub's genuine return for the admin's own installation, with the id replaced by the victim's.
		const { url } = await harness.clientFor(admin.headers).integrations.startGithubAppInstall();
		github.app.onInstall({ setupUrl, account: "octo-mine", installer: "ada-octo" });
		const genuine = new URL((await fetch(url, { redirect: "manual" })).headers.get("location") ?? "");
		expect(genuine.searchParams.get("code")).toBeTruthy();
		genuine.searchParams.set("installation_id", victimInstallation);
		const back = await returnTo(admin, genuine.toString());
		expect(back.searchParams.get("github_error")).toBe("installation_not_yours");
		expect(back.searchParams.get("connected")).toBeNull();
		// Also when the fake's installation page itself sends the other id (known, but not the installer's).
		const state = await freshState(owner);
		const swapped = await installationPage(
			{ account: "octo-swap", installer: "ada-octo", installationId: victimInstallation },
			state,
		);
		expect((await returnTo(owner, swapped.toString())).searchParams.get("github_error")).toBe(
			"installation_not_yours",
		);
		expect(await connectionsOf(organizationId)).toEqual(before);
		expect(await connectionsOf(strangerOrganizationId)).toEqual([]);
		// The installation was never read nor given a token on the admin's behalf.
		expect(github.installationTokensMinted(victimInstallation)).toBe(minted);
		expect(
			github.requests.filter((request) => request.path === `/app/installations/${victimInstallation}`),
		).toEqual([]);
	});

	it("refuses a return without the installing user's authorization (code), storing nothing", async () => {
		const before = await connectionsOf(organizationId);
		const back = await install(owner, { account: "octo-no-oauth", authorize: false });
		expect(back.searchParams.get("github_error")).toBe("authorization_missing");
		const withCode = await installationPage({ account: "octo-no-oauth" }, await freshState(owner));
		withCode.searchParams.delete("code");
		expect((await returnTo(owner, withCode.toString())).searchParams.get("github_error")).toBe(
			"authorization_missing",
		);
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("refuses a code issued to another OAuth client, a replayed code or a made-up one, storing nothing", async () => {
		const before = await connectionsOf(organizationId);
		const installationId = github.app.installationId("octo-codes");
		// A code for the sign-in OAuth app (its authorize endpoint), not the GitHub App's client.
		const signIn = await fetch(
			`${github.url}/login/oauth/authorize?${new URLSearchParams({
				client_id: github.oauth.clientId,
				redirect_uri: `${webUrl}/api/auth/callback/github`,
				state: "x",
			})}`,
			{ redirect: "manual" },
		);
		const foreignCode = new URL(signIn.headers.get("location") ?? "").searchParams.get("code") ?? "";
		expect(foreignCode).toBeTruthy();
		// A code already exchanged once (a successful installation), then replayed with a fresh state.
		const first = await installationPage({ account: "octo-codes" }, await freshState(owner));
		expect((await returnTo(owner, first.toString())).searchParams.get("connected")).toBe("github");
		const afterFirst = await connectionsOf(organizationId);
		expect(afterFirst).toHaveLength(before.length + 1);
		const replayed = first.searchParams.get("code") ?? "";
		for (const code of [foreignCode, replayed, "0123456789abcdef0123"]) {
			const back = await returnTo(
				owner,
				setupLocation({
					installation_id: installationId,
					setup_action: "install",
					state: await freshState(owner),
					code,
				}),
			);
			expect({ code, error: back.searchParams.get("github_error") }).toEqual({
				code,
				error: "authorization_refused",
			});
		}
		expect(await connectionsOf(organizationId)).toEqual(afterFirst);
	});

	it("says GitHub is unavailable when the code exchange or the installations list fails, storing nothing", async () => {
		const before = await connectionsOf(organizationId);
		for (const failing of ["/login/oauth/access_token", "/user/installations"]) {
			const back = await installationPage({ account: "octo-flaky" }, await freshState(owner));
			github.failNext(1, 502, failing);
			expect({
				failing,
				error: (await returnTo(owner, back.toString())).searchParams.get("github_error"),
			}).toEqual({ failing, error: "github_unavailable" });
		}
		// GitHub down altogether (the exchange cannot connect).
		const unreachable = await createWebHarness({
			env: {
				WEB_URL: webUrl,
				GITHUB_API_URL: "http://127.0.0.1:9",
				GITHUB_OAUTH_URL: "http://127.0.0.1:9",
				GITHUB_APP_ID: github.app.appId,
				GITHUB_APP_PRIVATE_KEY: github.app.privateKey,
				GITHUB_APP_SLUG: github.app.slug,
				GITHUB_APP_CLIENT_ID: github.app.clientId,
				GITHUB_APP_CLIENT_SECRET: github.app.clientSecret,
				SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
			},
		});
		try {
			const user = await unreachable.createUser({ email: "owner@unreachable.dev" });
			const orgId = (await unreachable.clientFor(user.headers).orgs.create({ name: "Unreachable" })).id;
			const state = await integrations.createGithubAppState(unreachable.web.services, {
				organizationId: orgId,
				userId: user.id,
				secret: unreachable.env.AUTH_SECRET,
			});
			const response = await handleGithubAppSetup(
				unreachable.web,
				new Request(setupLocation({ installation_id: "1", setup_action: "install", state, code: "abc" }), {
					headers: user.headers,
				}),
			);
			expect(new URL(response.headers.get("location") ?? "").searchParams.get("github_error")).toBe(
				"github_unavailable",
			);
			expect(await integrations.listConnections(unreachable.web.services, { organizationId: orgId })).toEqual(
				[],
			);
		} finally {
			await unreachable.close();
		}
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("keeps the installing user's token nowhere: not in the connection rows, not returned", async () => {
		const back = await install(owner, { account: "octo-token", installer: "olga-octo" });
		expect(back.searchParams.get("connected")).toBe("github");
		const listing = github.requests.filter((request) => request.path === "/user/installations").at(-1);
		const userToken = listing?.auth.replace(/^bearer\s+/i, "") ?? "";
		expect(userToken).toMatch(/^ghu_/);
		expect(back.toString()).not.toContain(userToken);
		const rows = await harness.web.services.db.query.integrationConnections.findMany();
		const row = rows.find((candidate) => candidate.id === back.searchParams.get("connection"));
		expect(row).toMatchObject({ kind: "github_app", accountLogin: "octo-token", sealedCredentials: null });
		expect(JSON.stringify(rows)).not.toContain(userToken);
		const verifications = await harness.web.services.db.query.authVerifications.findMany();
		expect(JSON.stringify(verifications)).not.toContain(userToken);
	});

	it("says an organization owner must approve a requested installation", async () => {
		const before = await connectionsOf(organizationId);
		const back = await install(admin, { account: "octo-approval", setupAction: "request" });
		expect(back.searchParams.get("github_error")).toBe("request");
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("refuses an installation GitHub does not know (it is none of the user's installations)", async () => {
		const before = await connectionsOf(organizationId);
		const back = await install(owner, { account: "octo-ghost", installationId: "987654" });
		expect(back.searchParams.get("github_error")).toBe("installation_not_yours");
		expect(await connectionsOf(organizationId)).toEqual(before);
	});

	it("says GitHub is unavailable when it answers 5xx, storing nothing", async () => {
		const before = await connectionsOf(organizationId);
		const { url } = await harness.clientFor(owner.headers).integrations.startGithubAppInstall();
		github.app.onInstall({ setupUrl, account: "octo-down" });
		const location = (await fetch(url, { redirect: "manual" })).headers.get("location") ?? "";
		// The first try and both retries of GET /app/installations/{id} (after the user's check passed).
		github.failNext(3, 502, `/app/installations/${new URL(location).searchParams.get("installation_id")}`);
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
				missing: ["GITHUB_APP_SLUG", "GITHUB_APP_CLIENT_ID", "GITHUB_APP_CLIENT_SECRET"],
			});
			await expect(client.integrations.startGithubAppInstall()).rejects.toMatchObject({
				code: "PRECONDITION_FAILED",
				message: expect.stringContaining("GITHUB_APP_CLIENT_SECRET"),
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
