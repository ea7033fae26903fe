import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createGatewayHttpClient, createSyncClient, type SessionStream } from "@proliferate/gateway-clients";
import { createLlmProxyClient, type LlmProxyClient } from "@proliferate/llm-proxy-client";
import { createLogger, createSilentLogger } from "@proliferate/logger";
import { E2BSandboxProvider, LocalSandboxProvider, SandboxProviderRegistry } from "@proliferate/sandbox";
import { type FakeE2bServer, startFakeE2bServer } from "@proliferate/sandbox/testing";
import { createScriptedModelServer, type ScriptedModelServer } from "@proliferate/scripted-model";
import {
	createDb,
	type DatabaseHandle,
	integrations,
	secrets as orgSecrets,
	orgs,
	repos,
} from "@proliferate/services";
import type { SandboxResources, SessionEvent } from "@proliferate/shared";
import { signServiceToken, signUserToken } from "@proliferate/shared/auth";
import { LocalDirectoryObjectStore, type ObjectStore } from "@proliferate/storage";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { createGateway, type Gateway, type GatewayDeps } from "../create-gateway";
import { proxyLlmAccess } from "../session/llm-access";
import { IMAGE_HELPERS_DIGEST_PATH, sandboxRuntime } from "../session/sandbox-runtime";
import { type LlmProxyProcess, startLlmProxyProcess } from "./llm-proxy-process";

/**
 * A real gateway with a real database, Redis, local sandboxes, OpenCode and the scripted model,
 * which OpenCode reaches through a real LLM proxy (its own process) with a virtual key minted per session.
 */
export interface TestPlatform {
	gateway: Gateway;
	llmProxy: LlmProxyProcess;
	/** The proxy's internal API (spend, keys) as platform services use it. */
	llmProxyClient: LlmProxyClient;
	/** Every request the scripted model answered (script and the tool names OpenCode offered). */
	modelRequests: { scriptName: string; toolNames: string[] }[];
	services: { db: DatabaseHandle["db"] };
	secrets: { userSecret: string; serviceSecret: string };
	organizationId: string;
	otherOrganizationId: string;
	userId: string;
	repoId: string;
	userToken: (sessionId?: string) => Promise<string>;
	/** A streaming client (to `options.gateway`, else the first gateway); closed with the platform. */
	connect: (
		sessionId: string,
		token: string,
		after?: number,
		options?: ClientOptions,
	) => { stream: SessionStream; events: SessionEvent[] };
	/** An HTTP client with a user token (to `target`, else the first gateway). */
	http: (target?: Gateway) => Promise<ReturnType<typeof createGatewayHttpClient>>;
	/** Creates a session over HTTP (on `gateway`, else the first), connects a client and waits until it runs. */
	startSession: (options: {
		title: string;
		repoId?: string;
		kind?: "setup" | "coding" | "automation";
		gateway?: Gateway;
	}) => Promise<StartedSession>;
	startGateway: (
		port?: number,
		instanceId?: string,
		options?: { idleTimeoutMs?: number; sandboxLifetimeSeconds?: number },
	) => Promise<Gateway>;
	provider: LocalSandboxProvider;
	/** Digest of the helpers the gateways run (the fake E2B image records the same). */
	helpersDigest: string;
	/** Every provider the gateways use (local, plus E2B with `options.e2b`). */
	providers: SandboxProviderRegistry;
	/** The E2B cloud the E2B provider talks to (with `options.e2b`). */
	e2b?: FakeE2bServer;
	/** The GitHub API the gateway talks to; the organization is connected as "ada", owning ada/demo-app. */
	github: FakeGithub;
	/** The gateways' GitHub settings (the fake's API, its GitHub App, the key sealing tokens). */
	githubConfig: integrations.GithubConfig;
	/** The keys the gateways open the organization's secrets with. */
	secretKeyring: orgSecrets.SecretKeyring;
	close: () => Promise<void>;
}

export interface StartedSession {
	session: { id: string };
	token: string;
	http: ReturnType<typeof createGatewayHttpClient>;
	stream: SessionStream;
	events: SessionEvent[];
}

export interface ClientOptions {
	gateway?: Gateway;
	onState?: (state: string) => void;
	reconnect?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
}

export interface TestPlatformOptions {
	/**
	 * Also configure the E2B provider, against a local E2B protocol fake whose image carries what
	 * packages/modal-sandbox's does: OpenCode, the agent helpers and sandbox-mcp under /opt.
	 */
	e2b?: boolean;
	/** Warm sandboxes the gateways keep for the default (local) provider. */
	warmPoolSize?: number;
	/** Resource limits of every local sandbox (memory, processes, disk), as SANDBOX_* settings give them. */
	resources?: SandboxResources;
	/**
	 * The gateways' Redis (event log, leases), e.g. one the test stops and starts; connected as
	 * `main.ts` connects (few retries per command, so an outage surfaces instead of queueing).
	 * The LLM proxy keeps the machine's Redis.
	 */
	gatewayRedisUrl?: string;
	/** How many events a session holds through a Redis outage, and for how long. */
	publisherLimits?: GatewayDeps["publisherLimits"];
	/** Where the gateways store artifacts; a local directory under the platform's root by default. */
	objectStore?: ObjectStore;
	/** Log the gateways at this level (to debug a test); silent by default. */
	logLevel?: "debug" | "info" | "warn";
}

export async function createTestPlatform(setup: TestPlatformOptions = {}): Promise<TestPlatform> {
	const root = mkdtempSync(join(tmpdir(), "gateway-test-"));
	const database: TestDatabase = await createTestDatabase();
	const redisInfo: TestRedis = createTestRedis();
	const handle: DatabaseHandle = createDb(database.url, { max: 5 });
	const redis = new Redis(redisInfo.url);
	const modelRequests: { scriptName: string; toolNames: string[] }[] = [];
	const model: ScriptedModelServer = await createScriptedModelServer({
		onRequest: (info) => modelRequests.push(info),
	});
	const llmProxyAdminSecret = testSecret("llm-proxy-admin");
	// The built-in catalog: the scripted model as "demo".
	const llmProxy = await startLlmProxyProcess({
		environment: {
			NODE_ENV: "test",
			LOG_LEVEL: setup.logLevel ?? "warn",
			DATABASE_URL: database.url,
			REDIS_URL: redisInfo.url,
			REDIS_KEY_PREFIX: redisInfo.prefix,
			LLM_PROXY_ADMIN_SECRET: llmProxyAdminSecret,
			LLM_SPEND_FLUSH_INTERVAL_MS: "500",
			SCRIPTED_MODEL_PORT: String(model.port),
		},
		logPath: join(root, "llm-proxy.log"),
	});
	const llmProxyClient = createLlmProxyClient({ baseUrl: llmProxy.url, adminSecret: llmProxyAdminSecret });
	const llmAccess = proxyLlmAccess(llmProxyClient, llmProxy.url);
	const { binary, mounts, helpersDigest } = await sandboxRuntime();
	const provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		runtimeMounts: mounts,
		...(setup.resources ? { resources: setup.resources } : {}),
	});
	// The fake E2B image carries the same directories the local provider mounts (as the real image does).
	const e2b = setup.e2b
		? await startFakeE2bServer({
				root: join(root, "e2b"),
				templates: ["proliferate"],
				imageMounts: [
					...mounts,
					{ hostPath: digestFile(root, helpersDigest), sandboxPath: IMAGE_HELPERS_DIGEST_PATH },
				],
			})
		: undefined;
	const providers = new SandboxProviderRegistry(
		{ defaultProvider: "local" },
		{
			local: provider,
			...(e2b
				? {
						e2b: new E2BSandboxProvider({
							apiKey: e2b.apiKey,
							template: "proliferate",
							apiUrl: e2b.url,
							sandboxUrl: e2b.url,
							portUrlTemplate: `${e2b.url}/port/{sandboxId}/{port}`,
							retryDelayMs: 10,
						}),
					}
				: {}),
		},
	);
	const services = { db: handle.db };
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
	const demo = createDemoRepo(join(root, "demo-app"));
	const repo = await repos.createRepo(services, {
		organizationId: organization.id,
		name: "demo-app",
		url: demo.path,
		sourceKind: "local_path",
		githubFullName: "ada/demo-app",
	});
	const github = await createFakeGithub();
	github.addRepository("ada/demo-app");
	const secretKeyring = new orgSecrets.SecretKeyring({ current: randomBytes(32).toString("hex") });
	const githubConfig: integrations.GithubConfig = {
		apiUrl: github.url,
		app: { appId: github.app.appId, privateKey: github.app.privateKey },
		secretBox: new integrations.SecretBox(randomBytes(32).toString("hex")),
	};
	await integrations.connectGithubToken(
		services,
		{ organizationId: organization.id, token: github.addUserToken("ada") },
		githubConfig,
	);
	const secrets = { userSecret: testSecret("user"), serviceSecret: testSecret("service") };
	const gatewayRedis = setup.gatewayRedisUrl
		? new Redis(setup.gatewayRedisUrl, { maxRetriesPerRequest: 3 })
		: redis;
	const gateways: Gateway[] = [];
	const objectStore = setup.objectStore ?? new LocalDirectoryObjectStore(join(root, "objects"));
	const streams: SessionStream[] = [];

	async function startGateway(
		port = 0,
		instanceId = `test-${gateways.length}`,
		options: { idleTimeoutMs?: number; sandboxLifetimeSeconds?: number } = {},
	) {
		const gateway = createGateway({
			services,
			redis: gatewayRedis,
			...(setup.publisherLimits ? { publisherLimits: setup.publisherLimits } : {}),
			redisPrefix: redisInfo.prefix,
			providers,
			...(setup.warmPoolSize
				? { warmPool: { size: setup.warmPoolSize, lifetimeSeconds: 3600, host: instanceId } }
				: {}),
			agent: {
				passwordSecret: secrets.serviceSecret,
				llmBaseUrl: model.url,
				llmApiKey: "unused-with-the-proxy",
				llmAccess,
				modelId: "demo",
				modelLabel: "Scripted demo model",
				binaryFileName: binary.fileName,
				helpersDigest,
			},
			secrets,
			logger: setup.logLevel
				? createLogger({ service: `gateway:${instanceId}`, level: setup.logLevel })
				: createSilentLogger(),
			instanceId,
			leaseTtlMs: 3000,
			objectStore,
			idleTimeoutMs: options.idleTimeoutMs ?? 0,
			github: githubConfig,
			secretKeyring,
			...(options.sandboxLifetimeSeconds ? { sandboxLifetimeSeconds: options.sandboxLifetimeSeconds } : {}),
		});
		await gateway.listen(port);
		gateways.push(gateway);
		return gateway;
	}

	const gateway = await startGateway();
	const userToken = (sessionId?: string) =>
		signUserToken(
			{ userId: user.id, organizationId: organization.id, ...(sessionId ? { sessionId } : {}) },
			secrets.userSecret,
		);

	function connect(
		sessionId: string,
		token: string,
		after = 0,
		options: ClientOptions = {},
	): { stream: SessionStream; events: SessionEvent[] } {
		const events: SessionEvent[] = [];
		const stream = createSyncClient({
			baseUrl: (options.gateway ?? gateway).url,
			auth: { type: "token", token },
			source: "web",
			WebSocket: WebSocket as never,
			reconnect: { baseDelayMs: 100, maxDelayMs: 1000, ...options.reconnect },
		}).connect(sessionId, {
			onEvent: (event) => events.push(event),
			after,
			...(options.onState ? { onState: options.onState } : {}),
		});
		streams.push(stream);
		return { stream, events };
	}

	return {
		gateway,
		llmProxy,
		llmProxyClient,
		modelRequests,
		services,
		secrets,
		organizationId: organization.id,
		otherOrganizationId: otherOrganization.id,
		userId: user.id,
		repoId: repo.id,
		userToken,
		provider,
		helpersDigest,
		providers,
		...(e2b ? { e2b } : {}),
		github,
		githubConfig,
		secretKeyring,
		startGateway,
		connect,
		async http(target = gateway) {
			return createGatewayHttpClient({
				baseUrl: target.url,
				auth: { type: "token", token: await userToken() },
			});
		},
		async startSession(options) {
			const target = options.gateway ?? gateway;
			const http = createGatewayHttpClient({
				baseUrl: target.url,
				auth: { type: "token", token: await userToken() },
			});
			const { session } = await http.createSession({
				repoId: options.repoId ?? repo.id,
				title: options.title,
				...(options.kind ? { kind: options.kind } : {}),
			});
			const token = await userToken(session.id);
			const { stream, events } = connect(session.id, token, 0, { gateway: target });
			const errors = () => JSON.stringify(events.filter((event) => event.type === "error"));
			await waitFor(
				() => statusSeen(events, "running") || statusSeen(events, "failed"),
				150_000,
				`${options.title} running`,
			).catch((error: unknown) => {
				throw new Error(`${(error as Error).message}; errors: ${errors()}`);
			});
			if (!statusSeen(events, "running")) throw new Error(`${options.title} failed to boot: ${errors()}`);
			return { session, token, http, stream, events };
		},
		async close() {
			for (const stream of streams) stream.close();
			for (const running of gateways) await running.close().catch(() => {});
			await llmProxy.close().catch(() => {});
			await provider.shutdown();
			for (const meta of provider.sandboxMetas()) await provider.terminate(meta.sandboxId);
			if (e2b) {
				e2b.machine.killAll();
				await e2b.close();
			}
			await model.close();
			await github.close();
			redis.disconnect();
			if (gatewayRedis !== redis) gatewayRedis.disconnect();
			await handle.close();
			await redisInfo.cleanup();
			await database.drop();
			rmSync(root, { recursive: true, force: true });
		},
	};
}

/** A `session.status` event with this status was received. */
export function statusSeen(events: SessionEvent[], status: string): boolean {
	return events.some((event) => event.type === "session.status" && event.status === status);
}

/** A turn finished: a completed assistant message (after `after`) and the session idle again. */
export function answered(events: SessionEvent[], after = 0): boolean {
	return (
		events.some(
			(event) => event.seq > after && event.type === "message.completed" && event.finishReason === "stop",
		) &&
		events.at(-1)?.type === "session.status" &&
		(events.at(-1) as { status?: string }).status === "idle"
	);
}

/** The digest file the real image writes at build time, for the fake image. */
function digestFile(root: string, digest: string): string {
	const path = join(root, "helpers.sha256");
	writeFileSync(path, `${digest}\n`);
	return path;
}

export async function waitFor<T>(
	probe: () => T | undefined | false | Promise<T | undefined | false>,
	timeoutMs = 120_000,
	what = "condition",
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const value = await probe();
		if (value) return value;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`timed out waiting for ${what}`);
}

export const serviceToken = signServiceToken;
