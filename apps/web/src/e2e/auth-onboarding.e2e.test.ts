import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, outbox } from "@proliferate/services";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { horizontalOverflow, launchChromium } from "../server/testing/browser";
import { startWebServer, type WebServer } from "../server/testing/web-server";

/**
 * Sign-up → verify by the emailed link (read from the local outbox page) → onboarding → a team
 * organization, invitations, API keys and the admin console, in Debian Chromium against `next start`.
 * Screenshots at 1280×800 and 390×844 go to test-artifacts/web-auth/.
 */
const artifacts = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../test-artifacts/web-auth");
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const account = { name: "Ada Lovelace", email: "ada@analytical.dev", password: "difference-engine-1843" };

let database: TestDatabase;
let redis: TestRedis;
let server: WebServer;
let browser: Browser;

/** A desktop page signed in as the super-admin account, on its dashboard. */
async function signedInAsAda() {
	const context = await browser.newContext({ viewport: desktop });
	const page = await context.newPage();
	page.setDefaultTimeout(30_000);
	await page.goto(`${server.url}/sign-in`);
	await page.fill("#email", account.email);
	await page.fill("#password", account.password);
	await page.click('button[type="submit"]');
	await page.waitForURL(/\/dashboard/);
	return { context, page };
}

async function shot(page: Page, name: string) {
	await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	database = await createTestDatabase();
	redis = createTestRedis();
	server = await startWebServer(
		{
			DATABASE_URL: database.url,
			AUTH_SECRET: testSecret("auth"),
			GATEWAY_JWT_SECRET: testSecret("gateway"),
			SERVICE_TO_SERVICE_SECRET: testSecret("service"),
			SUPER_ADMIN_EMAILS: account.email,
			DEV_OUTBOX_ENABLED: "true",
			LOG_LEVEL: "warn",
			REDIS_URL: redis.url,
			REDIS_KEY_PREFIX: redis.prefix,
		},
		{ PATH: process.env.PATH, HOME: process.env.HOME },
	);
	browser = await launchChromium();
}, 600_000);

afterAll(async () => {
	await browser?.close();
	await server?.close();
	await redis?.cleanup();
	await database?.drop();
}, 60_000);

describe("sign-up → verify → onboarding in the browser", () => {
	it("signs up, verifies through the outbox, creates a team and reaches the repository step", async () => {
		const context = await browser.newContext({ viewport: desktop, colorScheme: "light" });
		const page = await context.newPage();
		page.setDefaultTimeout(30_000);

		await page.goto(`${server.url}/`);
		await page.waitForURL(/\/sign-in/);
		await shot(page, "01-sign-in-desktop");

		await page.goto(`${server.url}/sign-up`);
		await page.fill("#name", account.name);
		await page.fill("#email", account.email);
		await page.fill("#password", account.password);
		await shot(page, "02-sign-up-desktop");
		await page.click('button[type="submit"]');
		await page.waitForSelector('[data-testid="check-email"]');
		await shot(page, "03-check-email-desktop");

		// Signing in before verifying is refused (and re-sends the link).
		await page.goto(`${server.url}/sign-in`);
		await page.fill("#email", account.email);
		await page.fill("#password", account.password);
		await page.click('button[type="submit"]');
		await page.waitForSelector('[data-testid="auth-error"]');
		expect(await page.locator('[data-testid="auth-error"]').textContent()).toContain("Verify your email");

		await page.goto(`${server.url}/dev/outbox?to=${encodeURIComponent(account.email)}`);
		await page.waitForSelector('[data-testid="outbox-message"]');
		await shot(page, "04-outbox-desktop");
		// Two emails: the sign-in attempt re-sent a link. Follow the sign-up one (it leads to onboarding).
		expect(await page.locator('[data-testid="outbox-message"]').count()).toBe(2);
		await page.locator('[data-testid="outbox-action"]').last().click();

		await page.waitForURL(/\/onboarding/);
		await page.waitForSelector('[data-testid="onboarding-flow"]');
		expect(await page.locator('[data-step="repository"]').getAttribute("data-done")).toBe("false");
		await shot(page, "05-onboarding-desktop");

		await page.fill("#team-name", "Analytical Engines");
		await page.click('button:has-text("Create organization")');
		await page.waitForSelector("text=Created Analytical Engines");
		await shot(page, "06-onboarding-team-created-desktop");

		await page.click('[data-testid="onboarding-next"]');
		await page.waitForURL(/\/repos/);

		await page.goto(`${server.url}/dashboard`);
		await page.waitForSelector('[data-testid="onboarding-checklist"]');
		expect(await page.locator('[data-testid="org-switcher"]').first().textContent()).toContain(
			"Analytical Engines",
		);
		await shot(page, "07-dashboard-desktop");
		await context.close();
	});

	it("invites a teammate, creates and revokes an API key, and opens the admin console", async () => {
		const context = await browser.newContext({ viewport: desktop, colorScheme: "dark" });
		const page = await context.newPage();
		page.setDefaultTimeout(30_000);
		await page.goto(`${server.url}/sign-in`);
		await page.fill("#email", account.email);
		await page.fill("#password", account.password);
		await page.click('button[type="submit"]');
		await page.waitForURL(/\/dashboard/);

		await page.goto(`${server.url}/settings/organization`);
		await page.waitForSelector('[data-testid="member-row"]');
		await page.click('button:has-text("Invite")');
		await page.fill("#invite-email", "charles@analytical.dev");
		await page.click('button:has-text("Send invitation")');
		await page.waitForSelector("text=Pending invitations");
		await shot(page, "08-organization-settings-dark");

		await page.goto(`${server.url}/settings/api-keys`);
		await page.click('button:has-text("New key")');
		await page.fill("#key-name", "CI pipeline");
		await page.click('button:has-text("Create key")');
		const secret = await page.locator('[data-testid="api-key-secret"]').inputValue();
		expect(secret).toMatch(/^pk_/);
		await shot(page, "09-api-key-created-dark");
		await page.click('button:has-text("Done")');
		await page.waitForSelector('[data-testid="api-key-row"]');
		expect(await page.locator('[data-testid="api-key-row"]').textContent()).not.toContain(secret);

		// The key works over real HTTP against the oRPC endpoint.
		const viaKey = await fetch(`${server.url}/api/rpc/account/me`, {
			method: "POST",
			headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
			body: JSON.stringify({}),
		});
		expect(viaKey.status).toBe(200);
		expect(JSON.stringify(await viaKey.json())).toContain("Analytical Engines");
		const anonymous = await fetch(`${server.url}/api/rpc/account/me`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({}),
		});
		expect(anonymous.status).toBe(401);

		await page.click('button:has-text("Revoke")');
		await page.click('button:has-text("Revoke key")');
		await page.waitForSelector("text=revoked");
		const revoked = await fetch(`${server.url}/api/rpc/account/me`, {
			method: "POST",
			headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
			body: JSON.stringify({}),
		});
		expect(revoked.status).toBe(401);

		await page.goto(`${server.url}/admin`);
		await page.waitForSelector('[data-testid="admin-user-row"]');
		await shot(page, "10-admin-dark");
		await context.close();
	});

	it("impersonates another user behind a banner, audited, until stopped", async () => {
		const signUp = await fetch(`${server.url}/api/auth/sign-up/email`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: server.url },
			body: JSON.stringify({
				name: "Charles Babbage",
				email: "charles@analytical.dev",
				password: "difference-engine-2",
			}),
		});
		expect(signUp.status).toBe(200);
		const { context, page } = await signedInAsAda();
		await page.goto(`${server.url}/admin`);
		const charles = page.locator('[data-testid="admin-user-row"]', { hasText: "charles@analytical.dev" });
		await charles.locator('button:has-text("Impersonate")').click();
		await page.click('button:has-text("Start impersonating")');
		await page.waitForURL(/\/dashboard/);
		await page.waitForSelector('[data-testid="impersonation-banner"]');
		expect(await page.locator('[data-testid="impersonation-banner"]').textContent()).toContain(
			"charles@analytical.dev",
		);
		expect(await page.locator("h1").textContent()).toContain("Welcome, Charles");
		await shot(page, "11-impersonating-desktop");
		await page.click('button:has-text("Stop impersonating")');
		await page.waitForURL(/\/admin/);
		expect(await page.locator('[data-testid="impersonation-banner"]').count()).toBe(0);
		await page.click('button:has-text("Audit log")');
		await page.waitForSelector("text=admin.impersonation.stopped");
		expect(await page.locator("text=admin.impersonation.started").count()).toBe(1);
		await shot(page, "12-audit-log-desktop");
		await context.close();
	});

	it("shows the operations view: outbox backlog, queue depths, a failed row retried", async () => {
		const handle = createDb(database.url, { max: 2 });
		try {
			const services = { db: handle.db };
			await outbox.enqueue(services, { kind: "sandbox-sweep", payload: { reason: "nightly" } });
			const [claimed] = await outbox.claim(services, { claimedBy: "e2e", limit: 1, leaseMs: 10_000 });
			if (!claimed) throw new Error("nothing claimed");
			await outbox.markFailed(services, claimed, "Invalid payload for sandbox-sweep: reason: Too long");
		} finally {
			await handle.close();
		}
		const { context, page } = await signedInAsAda();
		await page.goto(`${server.url}/admin`);
		await page.click('button:has-text("Operations")');
		await page.waitForSelector('[data-testid="operations"]');
		expect(await page.locator('[data-testid="queue-row"]').count()).toBeGreaterThanOrEqual(5);
		const failed = page.locator('[data-testid="failed-outbox-row"]');
		expect(await failed.textContent()).toContain("reason: Too long");
		await shot(page, "13-operations-desktop");
		await failed.locator('button:has-text("Retry")').click();
		await page.waitForSelector("text=Outbox row pending again");
		await page.waitForFunction(
			() => document.querySelectorAll('[data-testid="failed-outbox-row"]').length === 0,
		);
		await shot(page, "14-operations-retried");
		await context.close();
	});

	it("lets the invitee verify, open the emailed invitation and accept it", async () => {
		const context = await browser.newContext({ viewport: desktop });
		const page = await context.newPage();
		page.setDefaultTimeout(30_000);
		await page.goto(`${server.url}/dev/outbox?to=${encodeURIComponent("charles@analytical.dev")}`);
		const verification = page.locator('[data-testid="outbox-message"]', { hasText: "Verify your email" });
		await verification.locator('[data-testid="outbox-action"]').first().click();
		await page.waitForURL((url) => !url.pathname.startsWith("/dev/outbox"));

		await page.goto(`${server.url}/dev/outbox?to=${encodeURIComponent("charles@analytical.dev")}`);
		const invitation = page.locator('[data-testid="outbox-message"]', { hasText: "Join Analytical Engines" });
		await invitation.locator('[data-testid="outbox-action"]').click();
		await page.waitForURL(/\/invitations\//);
		await page.waitForSelector('[data-testid="invitation"]');
		expect(await page.locator('[data-testid="invitation"]').textContent()).toContain(
			"Ada Lovelace invited you",
		);
		await shot(page, "12b-invitation-desktop");
		await page.click('button:has-text("Accept invitation")');
		await page.waitForURL(/\/onboarding/);
		await page.goto(`${server.url}/settings/organization`);
		await page.waitForSelector('[data-testid="member-row"]');
		expect(await page.locator('[data-testid="member-row"]').count()).toBe(2);
		expect(await page.locator('[data-testid="org-switcher"]').first().textContent()).toContain(
			"Analytical Engines",
		);
		// Members see the roster but no invite button or role controls.
		expect(await page.locator('button:has-text("Invite")').count()).toBe(0);
		await shot(page, "12c-organization-as-member-desktop");
		await context.close();
	});

	it("fits a phone screen (390×844) without horizontal overflow", async () => {
		const context = await browser.newContext({ viewport: phone, isMobile: true, hasTouch: true });
		const page = await context.newPage();
		page.setDefaultTimeout(30_000);
		await page.goto(`${server.url}/sign-up`);
		expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
		await shot(page, "13-sign-up-phone");
		await page.goto(`${server.url}/forgot-password`);
		await page.fill("#email", account.email);
		await page.click('button:has-text("Send reset link")');
		await page.waitForSelector("text=Check your email");
		expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
		await shot(page, "13b-forgot-password-phone");
		await page.goto(`${server.url}/sign-in`);
		await page.fill("#email", account.email);
		await page.fill("#password", account.password);
		await page.click('button[type="submit"]');
		await page.waitForURL(/\/dashboard/);
		await page.waitForSelector('[data-testid="onboarding-checklist"]');
		expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
		await shot(page, "14-dashboard-phone");
		for (const [path, name] of [
			["/onboarding", "15-onboarding-phone"],
			["/settings/organization", "16-organization-settings-phone"],
			["/settings/api-keys", "17-api-keys-phone"],
			["/admin", "18-admin-phone"],
		] as const) {
			await page.goto(`${server.url}${path}`);
			await page.waitForLoadState("networkidle");
			expect(await horizontalOverflow(page), path).toBeLessThanOrEqual(0);
			await shot(page, name);
		}
		await context.close();
	});
});
