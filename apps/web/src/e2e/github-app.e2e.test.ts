import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, type DatabaseHandle, integrations, orgs } from "@proliferate/services";
import { createTestDatabase, type TestDatabase, testSecret } from "@proliferate/vitest-setup";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubAppSetupPath } from "../lib/github-app-setup";
import { horizontalOverflow, launchChromium, signIn, switchOrganization } from "../server/testing/browser";
import { startWebServer, type WebServer } from "../server/testing/web-server";

/**
 * Installing the GitHub App from /settings/integrations in Debian Chromium against `next start` and
 * the shared fake GitHub (its installation page approves at once and redirects to the Setup URL with
 * a code for the installing user): an admin installs it, lands back connected, and the add-repository
 * dialog lists the installation's repositories; a request that needs an organization owner's
 * approval and another account's installation id come back as clear messages; a member sees no
 * install button. Screenshots (1280×800 and 390×844) go to
 * test-artifacts/web-github-app/.
 */
const artifacts = resolve(
	dirname(fileURLToPath(import.meta.url)),
	"../../../../test-artifacts/web-github-app",
);
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const password = "install-the-app-please";
const people = {
	admin: { name: "Ada Admin", email: "ada@github-app-e2e.test" },
	member: { name: "Milo Member", email: "milo@github-app-e2e.test" },
};
const teamName = "Octo Org";

let database: TestDatabase;
let handle: DatabaseHandle;
let github: FakeGithub;
let server: WebServer;
let browser: Browser;
let organizationId: string;
const userIds: Record<keyof typeof people, string> = { admin: "", member: "" };

async function shot(page: Page, name: string) {
	await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Signs in, makes the team organization the active one, opens the integrations page. */
async function openIntegrationsAs(
	person: keyof typeof people,
): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport: desktop, colorScheme: "light" });
	const page = await context.newPage();
	page.setDefaultTimeout(60_000);
	await signIn(page, server.url, { email: people[person].email, password });
	await switchOrganization(page, teamName);
	await page.goto(`${server.url}/settings/integrations`);
	await page.waitForSelector('[data-testid="github-not-connected"], [data-testid="connection-row"]');
	return { context, page };
}

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	github = await createFakeGithub();
	github.addRepository("octo-org/engine", { private: true, defaultBranch: "trunk" });
	github.addRepository("octo-org/docs");
	github.addRepository("someone-else/secret", { private: true });
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 2 });
	server = await startWebServer(
		{
			DATABASE_URL: database.url,
			AUTH_SECRET: testSecret("auth"),
			AUTH_REQUIRE_EMAIL_VERIFICATION: "false",
			GATEWAY_JWT_SECRET: testSecret("gateway"),
			SERVICE_TO_SERVICE_SECRET: testSecret("service"),
			SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
			GITHUB_API_URL: github.url,
			GITHUB_OAUTH_URL: github.url,
			GITHUB_APP_ID: github.app.appId,
			GITHUB_APP_PRIVATE_KEY: github.app.privateKey,
			GITHUB_APP_SLUG: github.app.slug,
			GITHUB_APP_CLIENT_ID: github.app.clientId,
			GITHUB_APP_CLIENT_SECRET: github.app.clientSecret,
			LOG_LEVEL: "warn",
		},
		{ PATH: process.env.PATH, HOME: process.env.HOME },
	);
	for (const [role, person] of Object.entries(people) as [
		keyof typeof people,
		{ name: string; email: string },
	][]) {
		const response = await fetch(`${server.url}/api/auth/sign-up/email`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: server.url },
			body: JSON.stringify({ ...person, password }),
		});
		if (!response.ok) throw new Error(`sign-up of ${person.email} failed: ${response.status}`);
		userIds[role] = ((await response.json()) as { user: { id: string } }).user.id;
	}
	// The team and its roles are the setup, not what this test is about.
	const services = { db: handle.db };
	organizationId = (await orgs.createOrganization(services, { name: teamName, ownerUserId: userIds.admin }))
		.id;
	await orgs.addMember(services, { organizationId, userId: userIds.member, role: "member" });
	browser = await launchChromium();
}, 600_000);

afterAll(async () => {
	await browser?.close();
	await server?.close();
	await handle?.close();
	await database?.drop();
	await github?.close();
}, 60_000);

describe("installing the GitHub App in the browser", () => {
	it("an admin installs it through GitHub's page and lands back connected", async () => {
		github.app.onInstall({
			setupUrl: `${server.url}${githubAppSetupPath}`,
			account: "octo-org",
			installer: "ada-octo",
		});
		const { context, page } = await openIntegrationsAs("admin");
		const install = page.getByRole("button", { name: "Install the GitHub App" });
		await install.waitFor();
		expect(await page.locator('[data-testid="github-app-not-configured"]').count()).toBe(0);
		expect(await page.locator('[data-testid="github-token"]').count()).toBe(1);
		await shot(page, "01-not-connected-desktop");

		await install.click();
		await page.waitForURL(/\/settings\/integrations\?connected=github&connection=/);
		const notice = page.locator('[data-testid="github-app-connected"]');
		await notice.waitFor();
		expect(await notice.textContent()).toContain("GitHub App installed on octo-org");
		const row = page.locator('[data-testid="connection-row"]');
		expect(await row.count()).toBe(1);
		expect(await row.textContent()).toContain("octo-org");
		expect(await row.textContent()).toContain("GitHub App installation");
		expect(await row.textContent()).toContain("connected");
		// GitHub's page was visited with our signed state, the installing user's code exchanged and their
		// installations listed, and the installation read with the App's JWT.
		const paths = github.requests.map((request) => request.path);
		expect(paths).toContain(`/apps/${github.app.slug}/installations/new`);
		expect(paths).toContain("/login/oauth/access_token");
		expect(paths).toContain("/user/installations");
		const [connection] = await integrations.listConnections({ db: handle.db }, { organizationId });
		expect(connection).toMatchObject({
			kind: "github_app",
			accountLogin: "octo-org",
			installationId: github.app.installationId("octo-org"),
		});
		await shot(page, "02-connected-desktop");
		await page.setViewportSize(phone);
		await shot(page, "03-connected-phone");
		expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
		await page.setViewportSize(desktop);

		// Dismissing the notice leaves a plain URL.
		await page.getByRole("button", { name: "Dismiss" }).click();
		await page.waitForURL(/\/settings\/integrations$/);
		expect(await notice.count()).toBe(0);
		await context.close();
	});

	it("the add-repository dialog then lists the installation's repositories", async () => {
		const { context, page } = await openIntegrationsAs("admin");
		await page.goto(`${server.url}/repos`);
		await page.click('[data-testid="add-repo-button"]');
		await page.click('[data-testid="repo-source-github"]');
		await page.waitForSelector('[data-testid="repo-github-option"]');
		const options = page.locator('[data-testid="repo-github-option"]');
		expect(await options.allTextContents()).toEqual(["octo-org/docsmain", "octo-org/enginetrunk"]);
		await shot(page, "04-add-repo-installation-desktop");
		await page.setViewportSize(phone);
		await shot(page, "05-add-repo-installation-phone");
		await context.close();
	});

	it("a request that needs an organization owner's approval comes back as a clear message", async () => {
		github.app.onInstall({
			setupUrl: `${server.url}${githubAppSetupPath}`,
			account: "octo-approval",
			setupAction: "request",
		});
		const { context, page } = await openIntegrationsAs("admin");
		await page.getByRole("button", { name: "Install the GitHub App" }).click();
		await page.waitForURL(/github_error=request/);
		const error = page.locator('[data-testid="github-app-error"]');
		await error.waitFor();
		expect(await error.textContent()).toContain("an owner of the GitHub organization for approval");
		expect(await page.locator('[data-testid="connection-row"]').count()).toBe(1);
		await shot(page, "06-request-desktop");
		await page.setViewportSize(phone);
		await shot(page, "07-request-phone");
		expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
		await context.close();
	});

	it("another account's installation id swapped into GitHub's return is refused with a clear message", async () => {
		github.app.onInstall({
			setupUrl: `${server.url}${githubAppSetupPath}`,
			account: "octo-mine",
			installer: "ada-octo",
			installationId: github.app.installationId("victim-corp"),
		});
		const { context, page } = await openIntegrationsAs("admin");
		await page.getByRole("button", { name: "Install the GitHub App" }).click();
		await page.waitForURL(/github_error=installation_not_yours/);
		const error = page.locator('[data-testid="github-app-error"]');
		await error.waitFor();
		expect(await error.textContent()).toContain(
			"That installation is not one your GitHub account can access",
		);
		expect(await page.locator('[data-testid="connection-row"]').count()).toBe(1);
		await shot(page, "08-not-yours-desktop");
		await page.setViewportSize(phone);
		await shot(page, "09-not-yours-phone");
		expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
		await context.close();
	});

	it("a member sees the connection but cannot install or connect", async () => {
		const { context, page } = await openIntegrationsAs("member");
		await page.waitForSelector('[data-testid="connection-row"] >> text=octo-org');
		expect(await page.getByRole("button", { name: "Install the GitHub App" }).count()).toBe(0);
		expect(await page.locator('[data-testid="github-token"]').count()).toBe(0);
		await page.waitForSelector("text=Admins manage connections");
		await context.close();
	});
});
