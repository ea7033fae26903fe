import { describe, expect, it } from "vitest";
import { parseGitStatus } from "./git";

describe("parseGitStatus", () => {
	it("reads branch, upstream, ahead/behind, renames and untracked files", () => {
		const output = [
			"## feature...origin/feature [ahead 2, behind 1]",
			" M README.md",
			"A  notes.txt",
			"R  new-name.js",
			"old-name.js",
			"?? scratch/file with spaces.txt",
			"",
		].join("\0");
		expect(parseGitStatus(output, "abc123")).toEqual({
			branch: "feature",
			upstream: "origin/feature",
			ahead: 2,
			behind: 1,
			head: "abc123",
			clean: false,
			files: [
				{ index: " ", worktree: "M", path: "README.md" },
				{ index: "A", worktree: " ", path: "notes.txt" },
				{ index: "R", worktree: " ", path: "new-name.js", originalPath: "old-name.js" },
				{ index: "?", worktree: "?", path: "scratch/file with spaces.txt" },
			],
		});
	});

	it("handles a fresh repository and a detached HEAD", () => {
		expect(parseGitStatus("## No commits yet on main\0", null)).toMatchObject({
			branch: "main",
			upstream: null,
			clean: true,
		});
		expect(parseGitStatus("## HEAD (no branch)\0", "abc")).toMatchObject({ branch: null, head: "abc" });
	});
});
