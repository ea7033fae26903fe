/**
 * `pnpm check:structure` (also run by `pnpm lint` and `make check-structure`): fails when a source
 * file is longer than 600 lines or when any import cycle exists. See scripts/src/lib/structure.ts.
 */
import { fileURLToPath } from "node:url";
import { checkStructure, judge, MAX_LINES, SOURCE_ROOTS } from "./lib/structure";

const root = fileURLToPath(new URL("../..", import.meta.url));
const report = await checkStructure(root);
const verdict = judge(report);

console.log(
	`structure: ${report.files.length} files under ${SOURCE_ROOTS.join(", ")}; at most ${MAX_LINES} lines each, no import cycles`,
);
for (const line of verdict.allowed) console.log(`  allowed (known, fixed on another branch): ${line}`);
for (const entry of verdict.stale)
	console.log(`  stale allow-list entry, remove it from KNOWN_VIOLATIONS: ${entry}`);
for (const line of verdict.failures) console.log(`  ✗ ${line}`);
if (verdict.failures.length > 0) {
	console.log(`structure: ${verdict.failures.length} problem(s): split long files by concern, break cycles`);
	process.exit(1);
}
console.log("structure: ok");
