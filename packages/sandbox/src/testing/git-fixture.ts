import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A one-commit git repository with a README.md at `<root>/repo`. */
export function createFixtureRepo(root: string): string {
	const repo = join(root, "repo");
	mkdirSync(repo, { recursive: true });
	writeFileSync(join(repo, "README.md"), "# fixture\n");
	execFileSync("git", ["init", "--quiet", "--initial-branch=main"], { cwd: repo });
	execFileSync("git", ["add", "-A"], { cwd: repo });
	execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init"], {
		cwd: repo,
	});
	return repo;
}
