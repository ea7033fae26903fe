import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSandboxProviderContract } from "../../contract/provider-contract";
import { createFakeModal } from "../../testing/fake-modal-client";
import { ModalSandboxProvider } from "./modal-provider";

const root = mkdtempSync(join(tmpdir(), "modal-contract-"));
const repo = join(root, "repo");
execFileSync("mkdir", ["-p", repo]);
writeFileSync(join(repo, "README.md"), "# contract\n");
execFileSync("git", ["init", "--quiet", "--initial-branch=main"], { cwd: repo });
execFileSync("git", ["add", "-A"], { cwd: repo });
execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init"], {
	cwd: repo,
});

describeSandboxProviderContract(
	"modal (SDK-boundary fake)",
	async () => {
		const fake = createFakeModal(join(root, "cloud"));
		const provider = new ModalSandboxProvider({
			appName: "proliferate-sandbox",
			imageId: fake.baseImageId,
			client: fake.client,
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
	{ repoUrl: repo, port: 18124 },
);
