import { type Browser, chromium } from "playwright-core";

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
