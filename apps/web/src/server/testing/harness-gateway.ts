import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestRedis, testSecret } from "@proliferate/vitest-setup";
import { freePort, startGatewayProcess } from "../../lib/gateway/testing/web-platform";
import { createWebHarness, type WebHarness } from "./harness";

export interface HarnessWithGateway {
	harness: WebHarness;
	/** A scratch directory for the test (the gateway's data and logs live under it). */
	root: string;
	close: () => Promise<void>;
}

/**
 * The web harness talking to a real gateway process on the same database and a per-test Redis
 * prefix, as the procedures that call the gateway need. `gatewayEnvironment` adds to (or overrides)
 * the gateway's base environment: the test's PATH and HOME, providers, the LLM endpoint, timeouts.
 */
export async function createWebHarnessWithGateway(
	name: string,
	gatewayEnvironment: Record<string, string | undefined> = {},
): Promise<HarnessWithGateway> {
	const root = mkdtempSync(join(tmpdir(), `web-${name}-`));
	mkdirSync(join(root, "logs"));
	const gatewayPort = await freePort();
	const harness = await createWebHarness({ env: { GATEWAY_URL: `http://127.0.0.1:${gatewayPort}` } });
	const redis = createTestRedis();
	const gateway = await startGatewayProcess({
		port: gatewayPort,
		logDirectory: join(root, "logs"),
		environment: {
			NODE_ENV: "test",
			LOG_LEVEL: "warn",
			PROLIFERATE_DATA_DIR: join(root, "data"),
			DATABASE_URL: harness.env.DATABASE_URL,
			REDIS_URL: redis.url,
			REDIS_KEY_PREFIX: redis.prefix,
			GATEWAY_JWT_SECRET: testSecret("gateway"),
			SERVICE_TO_SERVICE_SECRET: testSecret("service"),
			...gatewayEnvironment,
		},
	});
	return {
		harness,
		root,
		close: async () => {
			await gateway.stop();
			await redis.cleanup();
			await harness.close();
			rmSync(root, { recursive: true, force: true });
		},
	};
}
