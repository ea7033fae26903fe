/** A parsed `git diff` (unified format), for the diff panel's unified and split views. */
export interface DiffLine {
	kind: "context" | "added" | "removed";
	text: string;
	oldNumber: number | null;
	newNumber: number | null;
}

export interface DiffHunk {
	header: string;
	lines: DiffLine[];
}

export interface DiffFile {
	path: string;
	oldPath: string | null;
	change: "added" | "modified" | "deleted" | "renamed";
	binary: boolean;
	hunks: DiffHunk[];
	additions: number;
	deletions: number;
}

const hunkHeader = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;

function stripPrefix(path: string): string {
	return path.replace(/^[ab]\//, "");
}

export function parseUnifiedDiff(text: string): DiffFile[] {
	const files: DiffFile[] = [];
	let file: DiffFile | undefined;
	let hunk: DiffHunk | undefined;
	let oldLine = 0;
	let newLine = 0;
	for (const line of text.split("\n")) {
		if (line.startsWith("diff --git ")) {
			const match = line.match(/^diff --git a\/(.+) b\/(.+)$/);
			file = {
				path: match?.[2] ?? line.slice(11),
				oldPath: null,
				change: "modified",
				binary: false,
				hunks: [],
				additions: 0,
				deletions: 0,
			};
			files.push(file);
			hunk = undefined;
			continue;
		}
		if (!file) continue;
		if (!hunk) {
			if (line.startsWith("new file mode")) file.change = "added";
			else if (line.startsWith("deleted file mode")) file.change = "deleted";
			else if (line.startsWith("rename from ")) {
				file.change = "renamed";
				file.oldPath = line.slice(12);
			} else if (line.startsWith("Binary files")) file.binary = true;
			else if (line.startsWith("+++ ") && line !== "+++ /dev/null") file.path = stripPrefix(line.slice(4));
		}
		const header = line.match(hunkHeader);
		if (header) {
			oldLine = Number(header[1]);
			newLine = Number(header[2]);
			hunk = { header: line, lines: [] };
			file.hunks.push(hunk);
			continue;
		}
		if (!hunk) continue;
		if (line.startsWith("+")) {
			hunk.lines.push({ kind: "added", text: line.slice(1), oldNumber: null, newNumber: newLine++ });
			file.additions++;
		} else if (line.startsWith("-")) {
			hunk.lines.push({ kind: "removed", text: line.slice(1), oldNumber: oldLine++, newNumber: null });
			file.deletions++;
		} else if (line.startsWith(" ")) {
			hunk.lines.push({ kind: "context", text: line.slice(1), oldNumber: oldLine++, newNumber: newLine++ });
		}
	}
	return files;
}

/** Pairs removed and added lines side by side for the split view. */
export function splitRows(hunk: DiffHunk): { left: DiffLine | null; right: DiffLine | null }[] {
	const rows: { left: DiffLine | null; right: DiffLine | null }[] = [];
	let removed: DiffLine[] = [];
	let added: DiffLine[] = [];
	const flush = () => {
		for (let index = 0; index < Math.max(removed.length, added.length); index++) {
			rows.push({ left: removed[index] ?? null, right: added[index] ?? null });
		}
		removed = [];
		added = [];
	};
	for (const line of hunk.lines) {
		if (line.kind === "removed") removed.push(line);
		else if (line.kind === "added") added.push(line);
		else {
			flush();
			rows.push({ left: line, right: line });
		}
	}
	flush();
	return rows;
}
