import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebPlatform, type WebPlatform } from "../../lib/gateway/testing/web-platform";
import { launchChromium } from "../../server/testing/browser";

/**
 * Faults in the browser, against make-start-style processes: a command that exits non-zero shows
 * as a failed tool card with its exit code, and a sandbox killed outside the platform shows the
 * stop banner with the reason and the ways on (start fresh; resume from the last snapshot).
 * Screenshots go to test-artifacts/web-session-stops/.
 */
const artifacts = resolve(
	dirname(fileURLToPath(import.meta.url)),
	"../../../../../test-artifacts/web-session-stops",
);
const account = { name: "Ada Lovelace", email: "ada@example.test", password: "correct-horse-battery-staple" };
const running =
	'[data-testid="session-status"][data-status="running"], [data-testid="session-status"][data-status="idle"]';

let platform: WebPlatform;
let browser: Browser;
let page: Page;
let firstSessionUrl = "";

async function shot(name: string) {
	await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

function sessionIdOf(url: string): string {
	return url.match(/\/sessions\/([0-9a-f-]{36})$/)?.[1] ?? "";
}

/** Kills the bubblewrap process of the session's local sandbox, as an operator or the OOM killer would. */
function killSandbox(sessionId: string): void {
	const sandboxesDirectory = join(dirname(platform.logDirectory), "data", "sandboxes");
	const sandboxIds = readdirSync(sandboxesDirectory).filter((id) => {
		const metaFile = join(sandboxesDirectory, id, "meta.json");
		if (!existsSync(metaFile)) return false;
		const meta = JSON.parse(readFileSync(metaFile, "utf8")) as { sessionId?: string; state?: string };
		return meta.sessionId === sessionId && meta.state === "running";
	});
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
			if (argv[0]?.endsWith("bwrap") && sandboxIds.some((id) => argv.some((arg) => arg.includes(id)))) {
				process.kill(Number(entry), "SIGKILL");
				return;
			}
		} catch {}
	}
	throw new Error(`no running sandbox for session ${sessionId}`);
}

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	platform = await startWebPlatform({
		inherited: { PATH: process.env.PATH, HOME: process.env.HOME },
		keepLogs: Boolean(process.env.KEEP_E2E_LOGS),
	});
	browser = await launchChromium();
	page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
	page.setDefaultTimeout(60_000);
}, 600_000);

afterAll(async () => {
	await browser?.close();
	await platform?.close();
}, 120_000);

describe("sandbox faults in the session workspace", () => {
	it("signs up, adds the demo repository and starts a session", async () => {
		await page.goto(`${platform.webUrl}/sign-up`);
		await page.fill("#name", account.name);
		await page.fill("#email", account.email);
		await page.fill("#password", account.password);
		await page.click('button[type="submit"]');
		await page.waitForSelector('[data-testid="check-email"]', { timeout: 120_000 }).catch(() => {});
		await page.goto(`${platform.webUrl}/repos`);
		await page.click('[data-testid="add-repo-button"]');
		await page.click('[data-testid="repo-source-local_path"]');
		await page.fill('[data-testid="repo-source-input"]', platform.demoRepoPath);
		await page.click('[data-testid="add-repo-submit"]');
		await page.locator('[data-testid="repo-row"]', { hasText: "demo-app" }).waitFor();
		await page.goto(`${platform.webUrl}/sessions/new`);
		await page.waitForSelector('[data-testid="session-model"] option', { state: "attached" });
		await page.click('[data-testid="start-session"]');
		await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/, { timeout: 120_000 });
		firstSessionUrl = page.url();
		await page.waitForSelector(running, { timeout: 180_000 });
	});

	it("shows a command that exits non-zero as a failed tool card with its exit code", async () => {
		await page.fill('[data-testid="prompt-input"]', "[script:bash] echo 'tests broke' >&2; exit 3");
		await page.click('[data-testid="send-button"]');
		const card = page.locator('[data-testid="tool-card"][data-tool="bash"]');
		await page.waitForSelector('[data-testid="tool-card"][data-tool="bash"][data-status="failed"]', {
			timeout: 120_000,
		});
		expect(await card.locator('[data-testid="tool-exit-code"]').textContent()).toBe("exit 3");
		expect(await card.getAttribute("data-status")).toBe("failed");
		await card.locator("button").first().click();
		expect(await card.locator('[data-testid="tool-output"]').textContent()).toContain("tests broke");
		await page.waitForSelector('[data-testid="agent-working"]', { state: "detached", timeout: 60_000 });
		await shot("01-failed-tool-card");
	});

	it("shows the stop banner when the sandbox is killed, and starts fresh on the same repository", async () => {
		killSandbox(sessionIdOf(firstSessionUrl));
		const banner = page.locator('[data-testid="stop-banner"][data-kind="killed"]');
		await banner.waitFor({ timeout: 60_000 });
		expect(await banner.textContent()).toMatch(
			/Sandbox was killed: the sandbox exited unexpectedly \(SIGKILL\)/,
		);
		expect(await banner.textContent()).toContain("There is no snapshot to resume from");
		expect(await page.locator('[data-testid="stop-resume"]').count()).toBe(0);
		expect(await page.locator('[data-testid="prompt-input"]').isDisabled()).toBe(true);
		await shot("02-stop-banner-no-snapshot");
		await page.click('[data-testid="stop-start-fresh"]');
		await page.waitForURL(
			(url) => /\/sessions\/[0-9a-f-]{36}$/.test(url.pathname) && url.href !== firstSessionUrl,
			{
				timeout: 120_000,
			},
		);
		await page.waitForSelector(running, { timeout: 180_000 });
		expect(await page.locator('[data-testid="stop-banner"]').count()).toBe(0);
		await shot("03-started-fresh");
	});

	it("resumes a killed sandbox from its last snapshot", async () => {
		const sessionUrl = page.url();
		await page.fill('[data-testid="prompt-input"]', "[script:bash] echo 'kept in the snapshot' > kept.txt");
		await page.click('[data-testid="send-button"]');
		await page.waitForSelector('[data-testid="tool-card"][data-tool="bash"][data-status="completed"]', {
			timeout: 120_000,
		});
		await page.waitForSelector('[data-testid="agent-working"]', { state: "detached", timeout: 60_000 });
		// A pause takes the snapshot.
		await page.click('button[aria-label="Pause"]');
		await page.waitForSelector('[data-testid="status-banner"][data-status="paused"]', { timeout: 120_000 });
		await page.click('[data-testid="status-banner"] button:has-text("Resume")');
		await page.waitForSelector(running, { timeout: 180_000 });
		killSandbox(sessionIdOf(sessionUrl));
		const banner = page.locator('[data-testid="stop-banner"][data-kind="killed"]');
		await banner.waitFor({ timeout: 60_000 });
		expect(await banner.textContent()).toContain("Work since the last snapshot is lost");
		await shot("04-stop-banner-with-snapshot");
		await page.click('[data-testid="stop-resume"]');
		await page.waitForSelector(running, { timeout: 180_000 });
		await page.waitForSelector('[data-testid="stop-banner"]', { state: "detached" });
		expect(page.url()).toBe(sessionUrl);
		await page.fill('[data-testid="prompt-input"]', "[script:bash] cat kept.txt");
		await page.click('[data-testid="send-button"]');
		await page.waitForSelector('[data-testid="tool-card"][data-tool="bash"] >> nth=1', { timeout: 120_000 });
		await page.waitForSelector('[data-testid="agent-working"]', { state: "detached", timeout: 60_000 });
		const last = page.locator('[data-testid="tool-card"][data-tool="bash"]').last();
		expect(await last.getAttribute("data-status")).toBe("completed");
		await last.locator("button").first().click();
		expect(await last.locator('[data-testid="tool-output"]').textContent()).toContain("kept in the snapshot");
		await shot("05-resumed-from-snapshot");
	});
});
