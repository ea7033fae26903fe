import { describe, expect, it } from "vitest";
import { parseUnifiedDiff, splitRows } from "./unified-diff";

const diff = `diff --git a/src/greet.js b/src/greet.js
index 1111111..2222222 100644
--- a/src/greet.js
+++ b/src/greet.js
@@ -1,4 +1,8 @@
 export function greet(name) {
-	return "hi";
+	return \`Hello, \${name}!\`;
 }
+
+export function shout(name) {
+	return greet(name).toUpperCase();
+}
diff --git a/notes.txt b/notes.txt
new file mode 100644
--- /dev/null
+++ b/notes.txt
@@ -0,0 +1 @@
+hello
`;

describe("parseUnifiedDiff", () => {
	it("reads files, changes, hunks and line numbers", () => {
		const files = parseUnifiedDiff(diff);
		expect(files.map((file) => [file.path, file.change, file.additions, file.deletions])).toEqual([
			["src/greet.js", "modified", 5, 1],
			["notes.txt", "added", 1, 0],
		]);
		const lines = files[0]?.hunks[0]?.lines ?? [];
		expect(lines[0]).toEqual({
			kind: "context",
			text: "export function greet(name) {",
			oldNumber: 1,
			newNumber: 1,
		});
		expect(lines[1]).toMatchObject({ kind: "removed", oldNumber: 2, newNumber: null });
		expect(lines[2]).toMatchObject({ kind: "added", oldNumber: null, newNumber: 2 });
	});

	it("pairs removals with additions for the split view", () => {
		const hunk = parseUnifiedDiff(diff)[0]?.hunks[0];
		if (!hunk) throw new Error("expected a hunk");
		const rows = splitRows(hunk);
		expect(rows[1]).toMatchObject({ left: { kind: "removed" }, right: { kind: "added" } });
		expect(rows.filter((row) => row.left === null).length).toBe(4);
	});

	it("returns nothing for an empty diff", () => {
		expect(parseUnifiedDiff("")).toEqual([]);
	});
});
