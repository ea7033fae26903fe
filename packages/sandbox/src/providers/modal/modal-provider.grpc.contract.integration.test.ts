import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSandboxProviderContract } from "../../contract/provider-contract";
import { startFakeModalServer } from "../../testing/fake-modal-server";
import { createFixtureRepo } from "../../testing/git-fixture";
import { ModalSandboxProvider } from "./modal-provider";

const root = mkdtempSync(join(tmpdir(), "modal-grpc-contract-"));
const repo = createFixtureRepo(root);

describeSandboxProviderContract(
	"modal (real ModalClient over gRPC to a protocol fake)",
	async () => {
		const fake = await startFakeModalServer({ root: join(root, "cloud") });
		// The SDK reads its endpoint and config file from the environment.
		process.env.MODAL_SERVER_URL = fake.url;
		process.env.MODAL_CONFIG_PATH = join(root, "no-modal.toml");
		const provider = new ModalSandboxProvider({
			appName: "proliferate-sandbox",
			imageId: fake.baseImageId,
			tokenId: fake.tokenId,
			tokenSecret: fake.tokenSecret,
			retryDelayMs: 10,
		});
		return {
			provider,
			cleanup: async () => {
				if (fake.unimplemented.length > 0) {
					throw new Error(`the SDK called RPCs the fake does not serve: ${fake.unimplemented.join(", ")}`);
				}
				await fake.close();
				rmSync(root, { recursive: true, force: true });
			},
		};
	},
	// Modal tunnels are TLS endpoints (Tunnel.url is https://…); the fake cannot present a certificate
	// the suite's fetch trusts, so the port case runs in modal-provider.grpc.integration.test.ts
	// over the tunnel's TCP address instead.
	{ repoUrl: repo, supportsPorts: false, port: 18125 },
);
