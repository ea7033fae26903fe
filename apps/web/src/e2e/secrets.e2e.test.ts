import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, type DatabaseHandle, orgs } from "@proliferate/services";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebPlatform, type WebPlatform } from "../lib/gateway/testing/web-platform";
import { launchChromium, signIn, switchOrganization } from "../server/testing/browser";

/**
 * /settings/secrets in Debian Chromium against `next start`: an owner adds a secret (its value
 * never shown), imports a .env file through the preview (new / changed / unchanged, keep one) and
 * applies it. Screenshots go to test-artifacts/web-secrets/.
 */
const artifacts = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../test-artifacts/web-secrets");
const password = "secrets-stay-secret-123";
const owner = { name: "Sia Secret", email: "sia@secrets-e2e.test" };
const teamName = "Acme Secrets";

let platform: WebPlatform;
let database: DatabaseHandle;
let browser: Browser;

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	platform = await startWebPlatform({
		inherited: { PATH: process.env.PATH, HOME: process.env.HOME },
		keepLogs: Boolean(process.env.KEEP_E2E_LOGS),
	});
	database = createDb(platform.database.url, { max: 2 });
	const response = await fetch(`${platform.webUrl}/api/auth/sign-up/email`, {
		method: "POST",
		headers: { "content-type": "application/json", origin: platform.webUrl },
		body: JSON.stringify({ ...owner, password }),
	});
	if (!response.ok) throw new Error(`sign-up failed: ${response.status}`);
	const userId = ((await response.json()) as { user: { id: string } }).user.id;
	await orgs.createOrganization({ db: database.db }, { name: teamName, ownerUserId: userId });
	browser = await launchChromium();
}, 600_000);

afterAll(async () => {
	await browser?.close();
	await database?.close();
	await platform?.close();
}, 120_000);

describe("secrets settings in the browser", () => {
	it("adds a secret and imports a .env file through the preview", async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const page = await context.newPage();
		await signIn(page, platform.webUrl, { email: owner.email, password });
		await switchOrganization(page, teamName);
		await page.locator("nav a", { hasText: "Secrets" }).first().click();
		await page.waitForURL(/\/settings\/secrets$/);
		await page.getByLabel("Key").fill("STRIPE_KEY");
		await page.getByLabel("Value").fill("sk_live_never_shown");
		await page.getByLabel("Description").fill("payments");
		await page.getByRole("button", { name: "Add" }).click();
		await page.waitForSelector('[data-testid="secrets-table"] >> text=STRIPE_KEY');
		expect(await page.content()).not.toContain("sk_live_never_shown");

		await page.locator('[data-testid="secrets-import-open"]').click();
		await page
			.locator('[data-testid="secrets-import-content"]')
			.fill('# staging\nSTRIPE_KEY=sk_other\nexport DATABASE_URL="postgres://db/app"\n');
		await page.locator('[data-testid="secrets-import-preview-button"]').click();
		const preview = page.locator('[data-testid="secrets-import-preview"]');
		await preview.waitFor();
		expect(await preview.textContent()).toContain("changed");
		expect(await preview.textContent()).toContain("new");
		await page.getByLabel("What to do with STRIPE_KEY").selectOption("keep");
		await page.screenshot({ path: join(artifacts, "01-import-preview.png") });
		await page.locator('[data-testid="secrets-import-apply"]').click();
		await page.waitForSelector('[data-testid="secrets-table"] >> text=DATABASE_URL');
		await page.screenshot({ path: join(artifacts, "02-secrets-list.png"), fullPage: true });
		await context.close();
	});
});
