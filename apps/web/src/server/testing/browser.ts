import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, headless, with the flags every browser test here uses (no sandbox, no network chatter). */
export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-background-networking",
			"--disable-component-update",
			"--no-first-run",
		],
	});
}

/** How far the page sticks out of the viewport horizontally (a layout bug on phones); 0 when it fits. */
export function horizontalOverflow(page: Page): Promise<number> {
	return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Signs in with email and password and waits for the dashboard. */
export async function signIn(page: Page, baseUrl: string, account: { email: string; password: string }) {
	await page.goto(`${baseUrl}/sign-in`);
	await page.fill("#email", account.email);
	await page.fill("#password", account.password);
	await page.click('button[type="submit"]');
	await page.waitForURL(/\/dashboard/);
}

/** Makes `name` the active organization through the switcher (nothing when it already is). */
export async function switchOrganization(page: Page, name: string) {
	const switcher = page.locator('[data-testid="org-switcher"]:visible');
	if (((await switcher.textContent()) ?? "").includes(name)) return;
	await switcher.click();
	await page.getByRole("menuitem", { name: new RegExp(name) }).click();
	await page.waitForSelector(`text=Switched to ${name}`);
}
