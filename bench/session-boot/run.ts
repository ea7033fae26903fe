/**
 * Session boot through the real gateway: create a session → `running` (sandbox with the repo,
 * OpenCode and sandbox-mcp up, platform tools connected), cold and from the warm pool, and for
 * the E2B provider against its protocol fake (the provider's own overhead; no cloud latency).
 * p50/p95 over BENCH_RUNS (default 5) sessions each.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createGateway, type Gateway } from "@proliferate/gateway/create-gateway";
import { sandboxRuntime } from "@proliferate/gateway/sandbox-runtime";
import { createGatewayHttpClient, createSyncClient } from "@proliferate/gateway-clients";
import { createSilentLogger } from "@proliferate/logger";
import { E2BSandboxProvider, LocalSandboxProvider, SandboxProviderRegistry } from "@proliferate/sandbox";
import { startFakeE2bServer } from "@proliferate/sandbox/testing";
import { createScriptedModelServer } from "@proliferate/scripted-model";
import { createDb, orgs, repos, warmPool } from "@proliferate/services";
import type { SandboxProviderType, SessionEvent } from "@proliferate/shared";
import { signUserToken } from "@proliferate/shared/auth";
import { LocalDirectoryObjectStore } from "@proliferate/storage";
import { createMigratedDatabase } from "@proliferate/vitest-setup/databases";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { summarize } from "../stats";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const root = mkdtempSync(join(tmpdir(), "bench-session-boot-"));
const benchDatabase = await createMigratedDatabase("proliferate_bench_boot");
const database = createDb(benchDatabase.url, { max: 8 });
const services = { db: database.db };
const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const prefix = `bench-boot-${Date.now().toString(36)}`;
const secrets = { userSecret: "b".repeat(40), serviceSecret: "c".repeat(40) };
const model = await createScriptedModelServer({});
const { binary, mounts } = await sandboxRuntime();
const local = new LocalSandboxProvider({ dataDirectory: join(root, "data"), runtimeMounts: mounts });
const e2bFake = await startFakeE2bServer({
	root: join(root, "e2b"),
	templates: ["proliferate"],
	imageMounts: mounts,
});
const e2b = new E2BSandboxProvider({
	apiKey: e2bFake.apiKey,
	template: "proliferate",
	apiUrl: e2bFake.url,
	sandboxUrl: e2bFake.url,
	portUrlTemplate: `${e2bFake.url}/port/{sandboxId}/{port}`,
});
const user = await orgs.createUser(services, { name: "Bench", email: "bench@example.test" });
const organization = await orgs.createOrganization(services, { name: "Bench", ownerUserId: user.id });
const demo = createDemoRepo(join(root, "demo-app"));
const repo = await repos.createRepo(services, {
	organizationId: organization.id,
	name: "demo-app",
	url: demo.path,
	sourceKind: "local_path",
});
const token = (sessionId?: string) =>
	signUserToken(
		{ userId: user.id, organizationId: organization.id, ...(sessionId ? { sessionId } : {}) },
		secrets.userSecret,
	);

function startGateway(defaultProvider: SandboxProviderType, warmPoolSize: number): Promise<Gateway> {
	const gateway = createGateway({
		services,
		redis,
		redisPrefix: prefix,
		providers: new SandboxProviderRegistry({ defaultProvider }, { local, e2b }),
		...(warmPoolSize > 0
			? { warmPool: { size: warmPoolSize, lifetimeSeconds: 3600, host: "bench", intervalMs: 1000 } }
			: {}),
		agent: {
			passwordSecret: secrets.serviceSecret,
			llmBaseUrl: model.url,
			llmApiKey: "scripted",
			modelId: "demo",
			modelLabel: "Scripted demo model",
			binaryFileName: binary.fileName,
		},
		secrets,
		logger: createSilentLogger(),
		instanceId: `bench-${defaultProvider}-${warmPoolSize}`,
		objectStore: new LocalDirectoryObjectStore(join(root, "objects")),
	});
	return gateway.listen(0).then(() => gateway);
}

/** Creates a session and waits for `running`; returns the milliseconds it took. */
async function bootOnce(gateway: Gateway): Promise<number> {
	const http = createGatewayHttpClient({
		baseUrl: gateway.url,
		auth: { type: "token", token: await token() },
	});
	const started = performance.now();
	const { session } = await http.createSession({ repoId: repo.id, title: "bench" });
	const events: SessionEvent[] = [];
	const stream = createSyncClient({
		baseUrl: gateway.url,
		auth: { type: "token", token: await token(session.id) },
		source: "web",
		WebSocket: WebSocket as never,
	}).connect(session.id, { onEvent: (event) => events.push(event) });
	try {
		const deadline = Date.now() + 180_000;
		for (;;) {
			const status = events.find(
				(event) => event.type === "session.status" && ["running", "failed"].includes(event.status),
			);
			if (status?.type === "session.status" && status.status === "failed")
				throw new Error(`the session failed to boot: ${status.message ?? ""}`);
			if (status) break;
			if (Date.now() > deadline) throw new Error("the session did not boot in 180 s");
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		return performance.now() - started;
	} finally {
		stream.close();
		await http.terminate(session.id);
	}
}

async function measure(label: string, provider: SandboxProviderType, warmPoolSize: number) {
	const gateway = await startGateway(provider, warmPoolSize);
	const samples: number[] = [];
	try {
		for (let run = 0; run < runs; run++) {
			if (warmPoolSize > 0) {
				// Each boot starts with a full pool (a warm claim, not a race with the refill).
				const key = gateway.warmPool.poolKey(provider);
				const deadline = Date.now() + 120_000;
				while ((await warmPool.warmPoolStats(services, key)).ready < warmPoolSize) {
					if (Date.now() > deadline) throw new Error("the warm pool did not fill");
					await new Promise((resolve) => setTimeout(resolve, 50));
				}
			}
			samples.push(await bootOnce(gateway));
		}
	} finally {
		await gateway.close();
		if (provider === "e2b") await warmPool.drainWarmPool(services, e2b, gateway.warmPool.poolKey("e2b"));
	}
	process.stdout.write(`  ${summarize(label, samples)}\n`);
}

process.stdout.write(`session boot bench: ${runs} sessions per case, demo repo, OpenCode + scripted model\n`);
try {
	await measure("local, cold: create → running", "local", 0);
	await measure("local, warm pool: create → running", "local", 1);
	await measure("e2b (fake), cold: create → running", "e2b", 0);
	await measure("e2b (fake), warm pool: create → running", "e2b", 1);
} finally {
	await local.shutdown();
	for (const meta of local.sandboxMetas()) await local.terminate(meta.sandboxId);
	e2bFake.machine.killAll();
	await e2bFake.close();
	await model.close();
	redis.disconnect();
	await database.close();
	await benchDatabase.drop();
	rmSync(root, { recursive: true, force: true });
}
