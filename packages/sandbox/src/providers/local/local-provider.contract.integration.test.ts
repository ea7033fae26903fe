import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSandboxProviderContract } from "../../contract/provider-contract";
import { LocalSandboxProvider } from "./local-provider";

const root = mkdtempSync(join(tmpdir(), "local-contract-"));
const repo = join(root, "repo");
execFileSync("mkdir", ["-p", repo]);
writeFileSync(join(repo, "README.md"), "# contract\n");
execFileSync("git", ["init", "--quiet", "--initial-branch=main"], { cwd: repo });
execFileSync("git", ["add", "-A"], { cwd: repo });
execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init"], {
	cwd: repo,
});

describeSandboxProviderContract(
	"local (bubblewrap)",
	async () => {
		const provider = new LocalSandboxProvider({ dataDirectory: join(root, "data") });
		return {
			provider,
			cleanup: async () => {
				await provider.shutdown();
				rmSync(root, { recursive: true, force: true });
			},
		};
	},
	{ repoUrl: repo },
);
