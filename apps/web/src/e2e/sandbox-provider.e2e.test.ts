import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { audit, createDb, type DatabaseHandle, orgs } from "@proliferate/services";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebPlatform, type WebPlatform } from "../lib/gateway/testing/web-platform";
import { horizontalOverflow, launchChromium, signIn, switchOrganization } from "../server/testing/browser";

/**
 * The organization's sandbox provider on /settings/sandboxes, in Debian Chromium against `next start`
 * and a real gateway whose environment configures the local provider (the default) and E2B but not
 * Modal: an admin switches to E2B and sees it persisted after a reload, a refused save shows its
 * error, a member sees the choice read-only. Screenshots (1280×800 and 390×844) go to
 * test-artifacts/web-sandbox-provider/.
 */
const artifacts = resolve(
	dirname(fileURLToPath(import.meta.url)),
	"../../../../test-artifacts/web-sandbox-provider",
);
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const password = "sandboxes-all-the-way-down";
const people = {
	owner: { name: "Olive Owner", email: "olive@sandbox-e2e.test" },
	admin: { name: "Alan Admin", email: "alan@sandbox-e2e.test" },
	member: { name: "Mona Member", email: "mona@sandbox-e2e.test" },
};
const teamName = "Acme Sandboxes";

let platform: WebPlatform;
let database: DatabaseHandle;
let browser: Browser;
let organizationId: string;
const userIds: Record<keyof typeof people, string> = { owner: "", admin: "", member: "" };

const services = () => ({ db: database.db });
const option = (page: Page, value: string) => page.locator(`#sandbox-provider-${value}`);

async function shot(page: Page, name: string) {
	await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Elements sticking out of the viewport horizontally (a layout bug on phones). */
/** Signs in, makes the team organization the active one through the switcher, opens the page. */
async function openAs(
	person: keyof typeof people,
	viewport: { width: number; height: number },
	extra: { colorScheme?: "light" | "dark"; isMobile?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({
		viewport,
		colorScheme: extra.colorScheme ?? "light",
		...(extra.isMobile ? { isMobile: true, hasTouch: true } : {}),
	});
	const page = await context.newPage();
	page.setDefaultTimeout(60_000);
	await signIn(page, platform.webUrl, { email: people[person].email, password });
	await switchOrganization(page, teamName);
	await page.goto(`${platform.webUrl}/settings/sandboxes`);
	await page.waitForSelector('[data-testid="sandbox-provider-summary"]');
	return { context, page };
}

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	platform = await startWebPlatform({
		inherited: { PATH: process.env.PATH, HOME: process.env.HOME },
		keepLogs: Boolean(process.env.KEEP_E2E_LOGS),
		gatewayEnvironment: { E2B_API_KEY: "e2b_e2e_key", E2B_TEMPLATE: "proliferate" },
	});
	database = createDb(platform.database.url, { max: 2 });
	for (const [role, person] of Object.entries(people) as [
		keyof typeof people,
		{ name: string; email: string },
	][]) {
		const response = await fetch(`${platform.webUrl}/api/auth/sign-up/email`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: platform.webUrl },
			body: JSON.stringify({ ...person, password }),
		});
		if (!response.ok) throw new Error(`sign-up of ${person.email} failed: ${response.status}`);
		userIds[role] = ((await response.json()) as { user: { id: string } }).user.id;
	}
	// The team and its roles are the setup, not what this test is about (invitations have their own).
	const team = await orgs.createOrganization(services(), { name: teamName, ownerUserId: userIds.owner });
	organizationId = team.id;
	await orgs.addMember(services(), { organizationId, userId: userIds.admin, role: "admin" });
	await orgs.addMember(services(), { organizationId, userId: userIds.member, role: "member" });
	browser = await launchChromium();
}, 600_000);

afterAll(async () => {
	await browser?.close();
	await database?.close();
	await platform?.close();
}, 120_000);

describe("sandbox provider settings in the browser", () => {
	it("shows an admin the deployment default, E2B configured and Modal not, from the settings nav", async () => {
		const { context, page } = await openAs("admin", desktop);
		await page.goto(`${platform.webUrl}/dashboard`);
		await page.locator("nav a", { hasText: "Sandboxes" }).first().click();
		await page.waitForURL(/\/settings\/sandboxes$/);
		await page.waitForSelector('[data-testid="sandbox-provider-summary"]');

		expect(await page.locator('[data-testid="sandbox-provider-summary"]').textContent()).toBe(
			"New sessions run on Local (the deployment default)",
		);
		const labels = await page.locator('[data-testid="sandbox-provider-option"]').allTextContents();
		expect(labels).toHaveLength(4);
		expect(labels[0]).toContain("Deployment default (local)");
		expect(await option(page, "default").getAttribute("data-state")).toBe("checked");
		expect(await option(page, "local").isEnabled()).toBe(true);
		expect(await option(page, "e2b").isEnabled()).toBe(true);
		expect(await option(page, "modal").isDisabled()).toBe(true);
		const modal = page.locator('[data-testid="sandbox-provider-option"][data-value="modal"]');
		expect(await modal.textContent()).toContain("not configured");
		expect(await modal.locator('[data-testid="sandbox-provider-requires"]').textContent()).toBe(
			"An operator must set MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE) on the gateway.",
		);
		expect(
			await page.locator('[data-testid="sandbox-provider-option"][data-value="e2b"]').textContent(),
		).toContain("configured");
		expect(await page.locator('[data-testid="sandbox-provider-save"]').isDisabled()).toBe(true);
		await shot(page, "01-admin-default-desktop");

		// Modal cannot be picked.
		await page.locator('[data-testid="sandbox-provider-option"][data-value="modal"]').click({ force: true });
		expect(await option(page, "default").getAttribute("data-state")).toBe("checked");
		await context.close();
	});

	it("lets the admin switch to E2B (pending, then saved) and keeps it after a reload", async () => {
		const { context, page } = await openAs("admin", desktop);
		// Hold the save briefly so its pending state can be seen.
		let release: () => void = () => {};
		const held = new Promise<void>((resolveHold) => {
			release = resolveHold;
		});
		await page.route("**/api/rpc/sandboxProvider/set", async (route) => {
			await held;
			await route.continue();
		});
		await page.locator('label[for="sandbox-provider-e2b"]').click();
		expect(await option(page, "e2b").getAttribute("data-state")).toBe("checked");
		await page.click('[data-testid="sandbox-provider-save"]');
		await page.waitForSelector('[data-testid="sandbox-provider-save"]:has-text("Saving…")');
		expect(await page.locator('[data-testid="sandbox-provider-save"]').isDisabled()).toBe(true);
		expect(await option(page, "local").isDisabled()).toBe(true);
		await shot(page, "02-admin-saving-desktop");
		release();
		await page.waitForSelector('[data-testid="sandbox-provider-saved"]');
		await page.waitForSelector("text=New sessions will run on E2B");
		expect(await page.locator('[data-testid="sandbox-provider-effective"]').textContent()).toBe("E2B");
		await shot(page, "03-admin-saved-e2b-desktop");
		expect(await orgs.getSandboxProviderOverride(services(), { organizationId })).toBe("e2b");

		await page.reload();
		await page.waitForSelector('[data-testid="sandbox-provider-summary"]');
		expect(await option(page, "e2b").getAttribute("data-state")).toBe("checked");
		expect(await page.locator('[data-testid="sandbox-provider-summary"]').textContent()).toBe(
			"New sessions run on E2B (this organization's choice)",
		);
		expect(await page.locator('[data-testid="sandbox-provider-saved"]').count()).toBe(0);
		await context.close();
	});

	it("shows the server's refusal when the admin lost the role while the page was open, saving nothing", async () => {
		const { context, page } = await openAs("admin", desktop);
		await orgs.changeMemberRole(services(), {
			actor: { organizationId, userId: userIds.owner, role: "owner" },
			userId: userIds.admin,
			role: "member",
		});
		try {
			await page.locator('label[for="sandbox-provider-local"]').click();
			await page.click('[data-testid="sandbox-provider-save"]');
			const error = page.locator('[data-testid="sandbox-provider-save-error"]');
			await error.waitFor();
			expect(await error.textContent()).toContain("does not allow: choose the sandbox provider");
			// The choice stays picked (unsaved) so it can be retried or cancelled.
			expect(await option(page, "local").getAttribute("data-state")).toBe("checked");
			await shot(page, "04-admin-save-refused-desktop");
			expect(await orgs.getSandboxProviderOverride(services(), { organizationId })).toBe("e2b");
			await page.click('button:has-text("Cancel")');
			expect(await option(page, "e2b").getAttribute("data-state")).toBe("checked");
			expect(await page.locator('[data-testid="sandbox-provider-save-error"]').count()).toBe(0);
		} finally {
			await orgs.changeMemberRole(services(), {
				actor: { organizationId, userId: userIds.owner, role: "owner" },
				userId: userIds.admin,
				role: "admin",
			});
		}
		await context.close();
	});

	it("switches between the deployment default, local and E2B", async () => {
		const { context, page } = await openAs("admin", desktop);
		for (const [value, stored, effective] of [
			["local", "local", "Local"],
			["default", null, "Local"],
			["e2b", "e2b", "E2B"],
		] as const) {
			await page.locator(`label[for="sandbox-provider-${value}"]`).click();
			await page.click('[data-testid="sandbox-provider-save"]');
			await page.waitForSelector('[data-testid="sandbox-provider-saved"]');
			expect(await page.locator('[data-testid="sandbox-provider-effective"]').textContent()).toBe(effective);
			expect(await orgs.getSandboxProviderOverride(services(), { organizationId })).toBe(stored);
		}
		const changes = await audit.listAuditEventsUnscoped(services(), {
			action: "organization.sandbox_provider.changed",
		});
		expect(changes.map((event) => event.metadata)).toEqual([
			{ from: null, to: "e2b" },
			{ from: "local", to: null },
			{ from: "e2b", to: "local" },
			{ from: null, to: "e2b" },
		]);
		await context.close();
	});

	it("warns when the saved choice is no longer configured, until the admin picks another", async () => {
		// As after an operator removed Modal's settings from a deployment where it had been chosen.
		await orgs.setSandboxProviderOverride(services(), { organizationId, provider: "modal" });
		const { context, page } = await openAs("admin", desktop);
		const warning = page.locator('[data-testid="sandbox-provider-misconfigured"]');
		expect(await warning.textContent()).toContain("Modal is no longer configured");
		expect(await warning.textContent()).toContain(
			"New sessions fail until an operator sets MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE) on the gateway, or you pick another provider.",
		);
		expect(await page.locator('[data-testid="sandbox-provider-effective"]').textContent()).toBe("Modal");
		expect(await option(page, "modal").getAttribute("data-state")).toBe("checked");
		await shot(page, "05-admin-misconfigured-desktop");
		await page.locator('label[for="sandbox-provider-e2b"]').click();
		await page.click('[data-testid="sandbox-provider-save"]');
		await page.waitForSelector('[data-testid="sandbox-provider-saved"]');
		expect(await warning.count()).toBe(0);
		expect(await orgs.getSandboxProviderOverride(services(), { organizationId })).toBe("e2b");
		await context.close();
	});

	it("shows a member the choice read-only", async () => {
		const { context, page } = await openAs("member", desktop);
		expect(await page.locator('[data-testid="sandbox-provider-effective"]').textContent()).toBe("E2B");
		expect(await option(page, "e2b").getAttribute("data-state")).toBe("checked");
		for (const value of ["default", "local", "e2b", "modal"])
			expect(await option(page, value).isDisabled()).toBe(true);
		expect(await page.locator('[data-testid="sandbox-provider-save"]').count()).toBe(0);
		expect(await page.locator('[data-testid="sandbox-provider-read-only"]').textContent()).toContain(
			"Owners and admins choose the provider",
		);
		await page.locator('label[for="sandbox-provider-local"]').click({ force: true });
		expect(await option(page, "e2b").getAttribute("data-state")).toBe("checked");
		await shot(page, "06-member-read-only-desktop");
		await context.close();
	});

	it("says when the providers cannot be loaded and loads them on retry", async () => {
		const { context, page } = await openAs("member", desktop);
		await page.route("**/api/rpc/sandboxProvider/get", (route) => route.abort("connectionrefused"));
		await page.reload();
		const failure = page.locator('[data-testid="sandbox-provider-load-error"]');
		await failure.waitFor();
		expect(await failure.textContent()).toContain("Could not load the sandbox providers");
		await shot(page, "07-load-error-desktop");
		await page.unroute("**/api/rpc/sandboxProvider/get");
		await page.click('button:has-text("Try again")');
		await page.waitForSelector('[data-testid="sandbox-provider-summary"]');
		expect(await page.locator('[data-testid="sandbox-provider-effective"]').textContent()).toBe("E2B");
		await context.close();
	});

	it("fits a phone (390×844) without horizontal overflow, and reads in dark mode", async () => {
		for (const [person, name] of [
			["admin", "08-admin-phone"],
			["member", "09-member-phone"],
		] as const) {
			const { context, page } = await openAs(person, phone, { isMobile: true });
			await page.waitForLoadState("networkidle");
			expect(await horizontalOverflow(page), person).toBeLessThanOrEqual(0);
			// The sideways-scrolling nav shows the current page's entry.
			const current = await page.locator('header nav a[aria-current="page"]').boundingBox();
			expect(current).not.toBeNull();
			expect(current?.x ?? -1).toBeGreaterThanOrEqual(0);
			expect((current?.x ?? 0) + (current?.width ?? 0)).toBeLessThanOrEqual(phone.width);
			await shot(page, name);
			await context.close();
		}
		const { context, page } = await openAs("admin", desktop, { colorScheme: "dark" });
		await page.waitForLoadState("networkidle");
		await shot(page, "10-admin-dark-desktop");
		await context.close();
	});
});
