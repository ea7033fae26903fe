import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSandboxProviderContract } from "../../contract/provider-contract";
import { startFakeE2bServer } from "../../testing/fake-e2b-server";
import { E2BSandboxProvider } from "./e2b-provider";

const root = mkdtempSync(join(tmpdir(), "e2b-contract-"));
const repo = join(root, "repo");
execFileSync("mkdir", ["-p", repo]);
writeFileSync(join(repo, "README.md"), "# contract\n");
execFileSync("git", ["init", "--quiet", "--initial-branch=main"], { cwd: repo });
execFileSync("git", ["add", "-A"], { cwd: repo });
execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init"], {
	cwd: repo,
});

describeSandboxProviderContract(
	"e2b (protocol fake)",
	async () => {
		const fake = await startFakeE2bServer({ root: join(root, "cloud"), templates: ["proliferate"] });
		const provider = new E2BSandboxProvider({
			apiKey: fake.apiKey,
			template: "proliferate",
			apiUrl: fake.url,
			sandboxUrl: fake.url,
			portUrlTemplate: `${fake.url}/port/{sandboxId}/{port}`,
			retryDelayMs: 10,
		});
		return {
			provider,
			cleanup: async () => {
				await fake.close();
				rmSync(root, { recursive: true, force: true });
			},
		};
	},
	{ repoUrl: repo, port: 18123 },
);
