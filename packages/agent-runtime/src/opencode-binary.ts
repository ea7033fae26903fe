import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const OPENCODE_VERSION = "1.18.33";

export interface OpencodeBinary {
	/** Absolute path of the executable on the host. */
	path: string;
	/** Its directory, to bind-mount read-only into sandboxes. */
	directory: string;
	fileName: string;
}

function cpuHasAvx2(): boolean {
	try {
		return /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
	} catch {
		return false;
	}
}

/**
 * Finds OpenCode's platform binary installed from npm (`opencode-ai` → `opencode-linux-x64[-baseline]`).
 * Executing it directly avoids the npm wrapper and works even when install scripts were skipped.
 */
export function resolveOpencodeBinary(): OpencodeBinary {
	const require = createRequire(import.meta.url);
	const wrapperManifest = require.resolve("opencode-ai/package.json");
	const fromWrapper = createRequire(wrapperManifest);
	const arch = process.arch === "arm64" ? "arm64" : "x64";
	const candidates =
		cpuHasAvx2() || arch === "arm64"
			? [`opencode-linux-${arch}`, `opencode-linux-${arch}-baseline`]
			: [`opencode-linux-${arch}-baseline`, `opencode-linux-${arch}`];
	for (const name of candidates) {
		try {
			const manifest = fromWrapper.resolve(`${name}/package.json`);
			const path = join(dirname(manifest), "bin", "opencode");
			if (existsSync(path)) return { path, directory: dirname(path), fileName: "opencode" };
		} catch {
			// not installed for this platform
		}
	}
	const wrapperBinary = join(dirname(wrapperManifest), "bin", "opencode.exe");
	if (existsSync(wrapperBinary))
		return { path: wrapperBinary, directory: dirname(wrapperBinary), fileName: "opencode.exe" };
	throw new Error(
		`OpenCode ${OPENCODE_VERSION} is not installed (npm package opencode-ai); run pnpm install`,
	);
}
