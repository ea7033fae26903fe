import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** `.proliferate/` (or PROLIFERATE_DATA_DIR), created on demand; never committed. */
export function dataDir(): string {
	const configured = process.env.PROLIFERATE_DATA_DIR;
	const directory = configured ? resolve(repoRoot, configured) : join(repoRoot, ".proliferate");
	mkdirSync(directory, { recursive: true });
	return directory;
}
