import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseCircular, parseDependencyTree } from "dpdm";

/** Files longer than this are split by concern (docs/specs/platform-foundation.md §5). */
export const MAX_LINES = 600;

/** Where source lives, relative to the repository root (`*` is one directory level). */
export const SOURCE_ROOTS = ["apps/*/src", "packages/*/src", "tooling/*/src", "scripts/src", "bench"];

const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", ".next", "test-artifacts"]);
/** Generated code and declarations are not written by hand. */
const SKIPPED_FILES = /(\.generated\.|\.d\.ts$)/;

export interface LongFile {
	file: string;
	lines: number;
}

export interface StructureReport {
	files: string[];
	longFiles: LongFile[];
	/** Each cycle as the files it goes through, starting from its smallest path. */
	cycles: string[][];
}

/** Every source file under the roots (tests included), as sorted paths relative to `root`. */
export function listSourceFiles(root: string, roots: string[] = SOURCE_ROOTS): string[] {
	const files: string[] = [];
	const walk = (directory: string) => {
		let entries: Dirent[];
		try {
			entries = readdirSync(directory, { withFileTypes: true });
		} catch {
			return;
		}
		for (const entry of entries) {
			const path = join(directory, entry.name);
			if (entry.isDirectory()) {
				if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(path);
			} else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name) && !SKIPPED_FILES.test(entry.name)) {
				files.push(relative(root, path));
			}
		}
	};
	for (const pattern of roots) for (const directory of expand(root, pattern)) walk(directory);
	return [...new Set(files)].sort();
}

/** `apps/*\/src` → each `apps/<name>/src` that exists. */
function expand(root: string, pattern: string): string[] {
	let directories = [root];
	for (const part of pattern.split("/")) {
		directories = directories.flatMap((directory) => {
			if (part !== "*") return [join(directory, part)];
			try {
				return readdirSync(directory, { withFileTypes: true })
					.filter((entry) => entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name))
					.map((entry) => join(directory, entry.name));
			} catch {
				return [];
			}
		});
	}
	return directories;
}

export function countLines(text: string): number {
	if (text.length === 0) return 0;
	return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

export function findLongFiles(root: string, files: string[], maxLines = MAX_LINES): LongFile[] {
	return files
		.map((file) => ({ file, lines: countLines(readFileSync(join(root, file), "utf8")) }))
		.filter(({ lines }) => lines > maxLines)
		.sort((a, b) => b.lines - a.lines);
}

/**
 * Import cycles among `files` and everything they import outside node_modules (workspace packages
 * resolve to their sources), type-only imports included, through dpdm.
 */
export async function findImportCycles(root: string, files: string[]): Promise<string[][]> {
	if (files.length === 0) return [];
	const tree = await parseDependencyTree(files.map(escapeGlob), {
		cwd: root,
		context: root,
		transform: false,
		skipDynamicImports: false,
	});
	const missing = files.filter((file) => !(file in tree));
	if (missing.length > 0) throw new Error(`the import graph misses ${missing.join(", ")}`);
	const seen = new Set<string>();
	const cycles: string[][] = [];
	for (const cycle of parseCircular(tree, false)) {
		const normalized = rotateToSmallest(cycle);
		const key = normalized.join(" → ");
		if (seen.has(key)) continue;
		seen.add(key);
		cycles.push(normalized);
	}
	return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

/** dpdm takes globs: a literal path's `[id]`, `(app)`, … must not be read as patterns. */
function escapeGlob(path: string): string {
	return path.replace(/[[\]*?{}()]/g, (character) => `[${character}]`);
}

function rotateToSmallest(cycle: string[]): string[] {
	let start = 0;
	for (let index = 1; index < cycle.length; index++) {
		if ((cycle[index] ?? "") < (cycle[start] ?? "")) start = index;
	}
	return [...cycle.slice(start), ...cycle.slice(0, start)];
}

export async function checkStructure(root: string, roots: string[] = SOURCE_ROOTS): Promise<StructureReport> {
	const files = listSourceFiles(root, roots);
	return { files, longFiles: findLongFiles(root, files), cycles: await findImportCycles(root, files) };
}

export function cycleKey(cycle: string[]): string {
	return rotateToSmallest(cycle).join(" → ");
}

/**
 * Known violations, printed but allowed while other branches fix them: the merge of reshape/session
 * (which splits the session runtime) and reshape/http (which untangles the gateway routes) removes
 * both. Do not add entries: split the file or break the cycle instead.
 */
export const KNOWN_VIOLATIONS = {
	longFiles: [] as string[],
	cycles: [["apps/gateway/src/server/routes.ts", "apps/gateway/src/server/tool-routes.ts"]],
};

export interface Verdict {
	/** Violations that fail the check. */
	failures: string[];
	/** Violations on the allow-list. */
	allowed: string[];
	/** Allow-list entries that no longer occur (remove them). */
	stale: string[];
}

export function judge(report: StructureReport, known = KNOWN_VIOLATIONS, maxLines = MAX_LINES): Verdict {
	const verdict: Verdict = { failures: [], allowed: [], stale: [] };
	const knownCycles = new Set(known.cycles.map(cycleKey));
	for (const { file, lines } of report.longFiles) {
		const line = `${file}: ${lines} lines (more than ${maxLines})`;
		(known.longFiles.includes(file) ? verdict.allowed : verdict.failures).push(line);
	}
	for (const cycle of report.cycles) {
		const key = cycleKey(cycle);
		const line = `import cycle: ${key} → ${cycle[0] ?? ""}`;
		(knownCycles.has(key) ? verdict.allowed : verdict.failures).push(line);
	}
	const longFiles = new Set(report.longFiles.map(({ file }) => file));
	const cycles = new Set(report.cycles.map(cycleKey));
	for (const file of known.longFiles) if (!longFiles.has(file)) verdict.stale.push(file);
	for (const key of knownCycles) if (!cycles.has(key)) verdict.stale.push(`import cycle: ${key}`);
	return verdict;
}
