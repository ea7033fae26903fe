import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebPlatform, type WebPlatform } from "../../lib/gateway/testing/web-platform";
import { launchChromium } from "../../server/testing/browser";

/**
 * The session workspace in a real browser against make-start-style processes: sign up, add the
 * demo repository, start a session, prompt it, watch streamed text and tool cards, reload
 * mid-stream, read the diff, use the terminal and open the preview of the dev server the agent
 * started. Screenshots of every step (desktop 1280×800 and phone 390×844) go to test-artifacts/.
 */
const artifacts = resolve(
	dirname(fileURLToPath(import.meta.url)),
	"../../../../../test-artifacts/web-session",
);
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const account = {
	name: "Grace Hopper",
	email: "grace@example.test",
	password: "correct-horse-battery-staple",
};

let platform: WebPlatform;
let github: FakeGithub;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let sessionUrl = "";

async function shot(target: Page, name: string) {
	await target.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** Visible text of the conversation, for comparing transcripts. */
async function transcriptText(target: Page): Promise<string> {
	return (await target.locator('[data-testid="chat-scroller"]').textContent()) ?? "";
}

function occurrences(text: string, needle: string): number {
	return text.split(needle).length - 1;
}

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	github = await createFakeGithub();
	github.addRepository("grace/notes", { private: true, defaultBranch: "trunk" });
	github.addRepository("grace/site");
	platform = await startWebPlatform({
		githubApiUrl: github.url,
		inherited: { PATH: process.env.PATH, HOME: process.env.HOME },
		keepLogs: Boolean(process.env.KEEP_E2E_LOGS),
	});
	browser = await launchChromium();
	context = await browser.newContext({ viewport: desktop });
	page = await context.newPage();
	page.setDefaultTimeout(60_000);
}, 600_000);

afterAll(async () => {
	await browser?.close();
	await platform?.close();
	await github?.close();
}, 120_000);

describe("session workspace in the browser", () => {
	it("signs up", async () => {
		await page.goto(`${platform.webUrl}/sign-up`);
		await page.fill("#name", account.name);
		await page.fill("#email", account.email);
		await page.fill("#password", account.password);
		await shot(page, "01-sign-up-desktop");
		await page.click('button[type="submit"]');
		await page.waitForSelector('[data-testid="check-email"]', { timeout: 120_000 }).catch(() => {});
		// Without required verification the account is signed in right away.
		await page.goto(`${platform.webUrl}/repos`);
		await page.waitForURL(/\/repos$/);
	});

	it("adds the demo repository by its local path", async () => {
		await page.click('[data-testid="add-repo-button"]');
		await page.click('[data-testid="repo-source-local_path"]');
		await page.fill('[data-testid="repo-source-input"]', platform.demoRepoPath);
		await shot(page, "02-add-repo-desktop");
		await page.click('[data-testid="add-repo-submit"]');
		const row = page.locator('[data-testid="repo-row"]', { hasText: "demo-app" });
		await row.waitFor();
		expect((await row.textContent()) ?? "").toContain("main");
		await shot(page, "03-repos-desktop");
	});

	it("says GitHub import needs the organization's connection, and links owners to it", async () => {
		await page.click('[data-testid="add-repo-button"]');
		await page.click('[data-testid="repo-source-github"]');
		await page.waitForSelector('[data-testid="repo-github-not-connected"]');
		expect(await page.locator('[data-testid="repo-source-input"]').count()).toBe(0);
		expect(await page.locator('[data-testid="add-repo-submit"]').count()).toBe(0);
		const link = page.locator('[data-testid="repo-github-connect"]');
		expect(await link.getAttribute("href")).toBe("/settings/integrations");
		await shot(page, "02b-add-repo-github-not-connected-desktop");
		await link.click();
		await page.waitForURL(/\/settings\/integrations$/);
		await page.waitForSelector('[data-testid="github-not-connected"]');
	});

	it("starts a session with the scripted demo model", async () => {
		await page.goto(`${platform.webUrl}/sessions/new`);
		await page.waitForSelector('[data-testid="session-model"] option', { state: "attached" });
		expect((await page.locator('[data-testid="session-model"]').textContent()) ?? "").toContain(
			"Scripted demo model",
		);
		await shot(page, "04-new-session-desktop");
		await page.click('[data-testid="start-session"]');
		await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/, { timeout: 120_000 });
		sessionUrl = page.url();
		await page.waitForSelector('[data-testid="session-status"]');
		await shot(page, "05-session-starting-desktop");
		await page.waitForSelector(
			'[data-testid="session-status"][data-status="running"], [data-testid="session-status"][data-status="idle"]',
			{
				timeout: 180_000,
			},
		);
	});

	it("streams the agent's text and tool cards, and a reload mid-stream loses and repeats nothing", async () => {
		await page.fill('[data-testid="prompt-input"]', "Add a shout helper next to greet, with a test");
		await page.click('[data-testid="send-button"]');
		await page.waitForSelector('[data-testid="user-message"]');
		await page.waitForSelector(
			'[data-testid="assistant-message"] >> text=Let me look at the project first.',
			{
				timeout: 120_000,
			},
		);
		await page.waitForSelector('[data-testid="tool-card"]', { timeout: 120_000 });
		await shot(page, "06-streaming-desktop");
		// Reload while the agent is still working.
		const busyBeforeReload = await page.locator('[data-testid="agent-working"]').count();
		await page.reload();
		await page.waitForSelector('[data-testid="user-message"]');
		await page.waitForSelector(
			'[data-testid="assistant-message"] >> text=the dev server is running on port 3000',
			{
				timeout: 240_000,
			},
		);
		await page.waitForSelector('[data-testid="agent-working"]', { state: "detached", timeout: 60_000 });
		const afterReload = await transcriptText(page);
		expect(busyBeforeReload).toBe(1);
		expect(occurrences(afterReload, "Add a shout helper next to greet, with a test")).toBe(1);
		expect(occurrences(afterReload, "Let me look at the project first.")).toBe(1);
		expect(occurrences(afterReload, "the dev server is running on port 3000")).toBe(1);
		// The untitled session took its first prompt as its title.
		await page.waitForSelector('[data-testid="session-title"] >> text=Add a shout helper next to greet');
		const toolCards = page.locator('[data-testid="tool-card"]');
		expect(await toolCards.count()).toBe(6);
		expect(await page.locator('[data-testid="tool-card"][data-status="completed"]').count()).toBe(6);
		// A fresh page built only from the replay shows exactly the same conversation.
		const fresh = await context.newPage();
		await fresh.goto(sessionUrl);
		await fresh.waitForSelector(
			'[data-testid="assistant-message"] >> text=the dev server is running on port 3000',
		);
		expect(await transcriptText(fresh)).toBe(afterReload);
		await fresh.close();
		// Open a tool card to see its output.
		await page.locator('[data-testid="tool-card"][data-tool="bash"] button').first().click();
		await page.waitForSelector('[data-testid="tool-output"]');
		expect((await page.locator('[data-testid="tool-output"]').first().textContent()) ?? "").toMatch(/pass/i);
		await shot(page, "07-conversation-desktop");
	});

	it("shows the diff of the file the agent changed", async () => {
		await page.click('[data-testid="panel-tab-diff"]');
		const file = page.locator('[data-testid="diff-file"]', { hasText: "src/greet.js" });
		await file.waitFor({ timeout: 60_000 });
		await file.click();
		await page.waitForSelector('[data-testid="diff-view"] >> text=export function shout(name) {');
		await shot(page, "08-diff-unified-desktop");
		await page.click('button:has-text("split")');
		await shot(page, "09-diff-split-desktop");
	});

	it("runs a command in the terminal", async () => {
		await page.click('[data-testid="panel-tab-terminal"]');
		await page.waitForSelector('[data-testid="terminal-panel"][data-state="open"]', { timeout: 60_000 });
		// A real PTY: wait for bash's prompt before typing.
		await page.waitForFunction(
			() => /[$#]/.test(document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent ?? ""),
			undefined,
			{ timeout: 30_000 },
		);
		await page.click('[data-testid="terminal"]');
		await page.keyboard.type("echo terminal-$((6*7)) && cat package.json | head -3");
		await page.keyboard.press("Enter");
		await page.waitForSelector('[data-testid="terminal"] .xterm-rows >> text=terminal-42', {
			timeout: 60_000,
		});
		await page.waitForFunction(
			() =>
				(document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent ?? "").includes(
					'"name"',
				),
			undefined,
			{ timeout: 30_000 },
		);
		await shot(page, "10-terminal-desktop");
	});

	it("opens the preview of the dev server the agent started", async () => {
		await page.click('[data-testid="panel-tab-preview"]');
		await page.fill('[data-testid="preview-port"]', "3000");
		await page.click('[data-testid="preview-open"]');
		const frame = page.frameLocator('[data-testid="preview-frame"]');
		await frame.locator("h1").waitFor({ timeout: 60_000 });
		expect((await frame.locator("h1").textContent()) ?? "").toBe("Hello, world!");
		expect(await page.locator('[data-testid="preview-new-tab"]').getAttribute("href")).toMatch(
			/\/preview\/[A-Za-z0-9_-]{32}\/$/,
		);
		await shot(page, "11-preview-desktop");
	});

	it("stops a running turn with the cancel button", async () => {
		await page.fill('[data-testid="prompt-input"]', "[script:slow] tell me a long story");
		await page.click('[data-testid="send-button"]');
		await page.waitForSelector('[data-testid="assistant-message"] >> text=word3', { timeout: 120_000 });
		await page.click('[data-testid="cancel-button"]');
		await page.waitForSelector('[data-testid="assistant-message"][data-status="aborted"]', {
			timeout: 60_000,
		});
		await page.waitForSelector('[data-testid="agent-working"]', { state: "detached", timeout: 60_000 });
		const stopped =
			(await page.locator('[data-testid="assistant-message"][data-status="aborted"]').textContent()) ?? "";
		expect(stopped).toContain("Stopped.");
		expect(stopped).not.toContain("word120");
		await shot(page, "12-cancelled-desktop");
	});

	it("lists the session and lays out every page on a phone without overlaps", async () => {
		await page.goto(`${platform.webUrl}/sessions`);
		await page.waitForSelector('[data-testid="session-row"]');
		await shot(page, "13-sessions-desktop");
		const mobile = await browser.newContext({ viewport: phone, storageState: await context.storageState() });
		const phonePage = await mobile.newPage();
		phonePage.setDefaultTimeout(60_000);
		for (const [path, name] of [
			["/repos", "repos"],
			["/sessions", "sessions"],
			["/sessions/new", "new-session"],
		] as const) {
			await phonePage.goto(`${platform.webUrl}${path}`);
			await phonePage.waitForLoadState("networkidle");
			await shot(phonePage, `20-${name}-phone`);
			expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
				phone.width,
			);
		}
		await phonePage.goto(`${platform.webUrl}/repos`);
		await phonePage.click('[data-testid="add-repo-button"]');
		await phonePage.click('[data-testid="repo-source-github"]');
		await phonePage.waitForSelector('[data-testid="repo-github-connect"]');
		await shot(phonePage, "20-add-repo-github-not-connected-phone");
		expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			phone.width,
		);
		await phonePage.keyboard.press("Escape");
		await phonePage.goto(sessionUrl);
		await phonePage.waitForSelector(
			'[data-testid="assistant-message"] >> text=the dev server is running on port 3000',
		);
		await shot(phonePage, "21-session-chat-phone");
		expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			phone.width,
		);
		for (const tab of ["diff", "terminal", "preview"] as const) {
			await phonePage.click(`[data-testid="mobile-tab-${tab}"]`);
			if (tab === "diff") await phonePage.waitForSelector('[data-testid="diff-file"]');
			if (tab === "terminal")
				await phonePage.waitForSelector('[data-testid="terminal-panel"][data-state="open"]');
			await shot(phonePage, `22-session-${tab}-phone`);
			expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
				phone.width,
			);
		}
		await mobile.close();
	});

	it("connects GitHub for pull requests in the organization's integrations", async () => {
		await page.goto(`${platform.webUrl}/settings/integrations`);
		await page.waitForSelector('[data-testid="github-not-connected"]');
		// Without GITHUB_APP_* the page offers the token form and says what an operator must set for the App.
		expect(await page.getByRole("button", { name: "Install the GitHub App" }).count()).toBe(0);
		expect(await page.locator('[data-testid="github-app-not-configured"]').textContent()).toContain(
			"an operator sets GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_SLUG, GITHUB_APP_CLIENT_ID and GITHUB_APP_CLIENT_SECRET on the web app",
		);
		await page.fill('[data-testid="github-token"]', "ghp_not-a-real-token");
		await page.click('button:has-text("Connect GitHub")');
		await page.waitForSelector("text=GitHub refused the connection's credentials");
		await page.fill('[data-testid="github-token"]', github.addUserToken("grace"));
		await page.click('button:has-text("Connect GitHub")');
		await page.waitForSelector('[data-testid="connection-row"] >> text=grace');
		expect(await page.inputValue('[data-testid="github-token"]')).toBe("");
		await shot(page, "13-integrations-desktop");
	});

	it("imports a private repository through the organization's GitHub connection", async () => {
		await page.goto(`${platform.webUrl}/repos`);
		await page.click('[data-testid="add-repo-button"]');
		await page.click('[data-testid="repo-source-github"]');
		await page.waitForSelector('[data-testid="repo-github-option"]');
		const options = page.locator('[data-testid="repo-github-option"]');
		expect(await options.allTextContents()).toEqual(["grace/notestrunk", "grace/sitemain"]);
		expect(await options.first().locator('[aria-label="private"]').count()).toBe(1);
		expect(await options.last().locator('[aria-label="private"]').count()).toBe(0);
		await shot(page, "13b-add-repo-github-list-desktop");
		await page.fill('[data-testid="repo-source-input"]', "NOTE");
		expect(await options.count()).toBe(1);
		await options.first().click();
		expect(await page.inputValue('[data-testid="repo-source-input"]')).toBe("grace/notes");
		await shot(page, "13c-add-repo-github-selected-desktop");
		await page.click('[data-testid="add-repo-submit"]');
		const row = page.locator('[data-testid="repo-row"]', { hasText: "grace/notes" });
		await row.waitFor();
		// The dialog and its fading overlay are gone.
		await page.waitForFunction(() => !document.querySelector('[role="dialog"], .fixed.inset-0.z-50'));
		expect((await row.textContent()) ?? "").toContain("trunk");
		await shot(page, "13d-repos-with-github-desktop");
		// Imported ones show as added.
		await page.click('[data-testid="add-repo-button"]');
		await page.click('[data-testid="repo-source-github"]');
		await page.waitForSelector('[data-testid="repo-github-option"][disabled] >> text=grace/notes');
		await page.keyboard.press("Escape");
	});

	it("pauses from the header and resumes from the status banner", async () => {
		await page.goto(sessionUrl);
		await page.waitForSelector(
			'[data-testid="session-status"][data-status="running"], [data-testid="session-status"][data-status="idle"]',
		);
		await page.click('button[aria-label="Pause"]');
		await page.waitForSelector('[data-testid="status-banner"][data-status="paused"]', { timeout: 120_000 });
		await shot(page, "14-paused-desktop");
		await page.click('[data-testid="status-banner"] button:has-text("Resume")');
		await page.waitForSelector(
			'[data-testid="session-status"][data-status="running"], [data-testid="session-status"][data-status="idle"]',
			{
				timeout: 180_000,
			},
		);
		await page.waitForSelector('[data-testid="status-banner"]', { state: "detached" });
		// The conversation survives the pause.
		expect(occurrences(await transcriptText(page), "the dev server is running on port 3000")).toBe(1);
		await shot(page, "15-resumed-desktop");
	});
});
