import { llmModelCatalogSchema } from "@proliferate/environment";
import { createLlmProxyClient, type LlmProxyClient } from "@proliferate/llm-proxy-client";
import { createSilentLogger } from "@proliferate/logger";
import { createDb, type DatabaseHandle, orgs, sessions } from "@proliferate/services";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import { Redis } from "ioredis";
import { createLlmProxy, type LlmProxy, type LlmProxyDeps } from "../create-proxy";
import { ModelCatalog } from "../routing/catalog";
import { createFakeUpstream, type FakeUpstream } from "./fake-upstream";

/** A proxy (or several sharing one database and Redis) in front of a fake upstream, for tests. */
export interface ProxyHarness {
	upstream: FakeUpstream;
	proxy: LlmProxy;
	client: LlmProxyClient;
	services: { db: DatabaseHandle["db"] };
	organizationId: string;
	otherOrganizationId: string;
	sessionId: string;
	adminSecret: string;
	startProxy: (overrides?: Partial<LlmProxyDeps>) => Promise<LlmProxy>;
	close: () => Promise<void>;
}

export function testCatalog(upstreamUrl: string): ModelCatalog {
	const openai = (model: string, extra: Record<string, unknown> = {}) => ({
		provider: "openai" as const,
		baseUrl: `${upstreamUrl}/v1`,
		model,
		apiKeyEnv: "FAKE_OPENAI_KEY",
		price: { input: 2, output: 8, cacheRead: 0.5 },
		...extra,
	});
	return new ModelCatalog(
		llmModelCatalogSchema.parse({
			models: [
				{ name: "gpt-fake", deployments: [openai("gpt-fake")] },
				{
					name: "claude-fake",
					label: "Claude (fake)",
					deployments: [
						{
							provider: "anthropic",
							baseUrl: `${upstreamUrl}/v1`,
							model: "claude-fake",
							apiKeyEnv: "FAKE_ANTHROPIC_KEY",
							price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
						},
					],
				},
				{
					name: "fallback-model",
					deployments: [openai("error-500", { id: "primary" }), openai("gpt-fake", { id: "secondary" })],
				},
				{
					name: "timeout-model",
					deployments: [
						openai("hang", { id: "hanging", timeoutMs: 300 }),
						openai("gpt-fake", { id: "healthy" }),
					],
				},
				{ name: "down-model", deployments: [openai("error-500", { id: "broken" })] },
				{
					name: "limited-model",
					deployments: [openai("error-429", { id: "limited" }), openai("gpt-fake", { id: "spare" })],
				},
				{ name: "limited-only-model", deployments: [openai("error-429", { id: "limited-only" })] },
				{ name: "slow-model", deployments: [openai("slow", { id: "slow" })] },
				{ name: "silent-model", deployments: [openai("no-usage", { id: "silent" })] },
			],
		}),
		{ FAKE_OPENAI_KEY: "sk-upstream-openai", FAKE_ANTHROPIC_KEY: "sk-upstream-anthropic" },
	);
}

export async function createProxyHarness(overrides: Partial<LlmProxyDeps> = {}): Promise<ProxyHarness> {
	const database: TestDatabase = await createTestDatabase();
	const redisInfo: TestRedis = createTestRedis();
	const handle = createDb(database.url, { max: 5 });
	const redis = new Redis(redisInfo.url);
	const upstream = await createFakeUpstream();
	const services = { db: handle.db };
	const adminSecret = testSecret("llm-proxy-admin");
	const user = await orgs.createUser(services, {
		name: "Ada",
		email: "ada@example.test",
		emailVerified: true,
	});
	const other = await orgs.createUser(services, {
		name: "Eve",
		email: "eve@example.test",
		emailVerified: true,
	});
	const organization = await orgs.createOrganization(services, { name: "Acme", ownerUserId: user.id });
	const otherOrganization = await orgs.createOrganization(services, { name: "Other", ownerUserId: other.id });
	const session = await sessions.createSession(services, {
		organizationId: organization.id,
		title: "proxy test",
	});
	const proxies: LlmProxy[] = [];
	async function startProxy(extra: Partial<LlmProxyDeps> = {}) {
		const proxy = await createLlmProxy({
			services,
			redis,
			redisPrefix: redisInfo.prefix,
			catalog: testCatalog(upstream.url),
			logger: createSilentLogger(),
			adminSecret,
			spendFlushIntervalMs: 60_000,
			...overrides,
			...extra,
		});
		await proxy.listen(0);
		proxies.push(proxy);
		return proxy;
	}
	const proxy = await startProxy();
	return {
		upstream,
		proxy,
		client: createLlmProxyClient({ baseUrl: proxy.url, adminSecret }),
		services,
		organizationId: organization.id,
		otherOrganizationId: otherOrganization.id,
		sessionId: session.id,
		adminSecret,
		startProxy,
		async close() {
			for (const running of proxies) await running.close().catch(() => {});
			await upstream.close();
			redis.disconnect();
			await handle.close();
			await redisInfo.cleanup();
			await database.drop();
		},
	};
}
