import { hostname } from "node:os";
import { resolve } from "node:path";
import { gatewayEnvSchema, loadEnvironmentOrExit } from "@proliferate/environment";
import { createLlmProxyClient } from "@proliferate/llm-proxy-client";
import { createLogger, installProcessGuard } from "@proliferate/logger";
import { SandboxProviderRegistry, sandboxProvidersConfigFromEnv } from "@proliferate/sandbox";
import { createDb, integrations, secrets } from "@proliferate/services";
import { createObjectStore, type ObjectStore, objectStoreConfigFromEnv } from "@proliferate/storage";
import { Redis } from "ioredis";
import { migrateLegacyArtifacts } from "./artifacts/legacy-artifacts";
import { createGateway } from "./create-gateway";
import { proxyLlmAccess } from "./session/llm-access";
import { sandboxRuntime } from "./session/sandbox-runtime";
import { webSocketLimitsFromEnv } from "./ws/limits";

const env = loadEnvironmentOrExit(gatewayEnvSchema, "gateway");
const logger = createLogger({ service: "gateway", level: env.LOG_LEVEL });
// Anything that escapes every handler is logged with its context; the process then exits 1 and
// `make start` (or the orchestrator) restarts it. Tests prove no frame gets this far.
installProcessGuard(logger);
let objectStore: ObjectStore;
try {
	objectStore = createObjectStore(
		objectStoreConfigFromEnv(env, { localDirectory: resolve(env.PROLIFERATE_DATA_DIR, "objects") }),
	);
} catch (error) {
	logger.fatal({ err: error }, `object store cannot start: ${(error as Error).message}`);
	process.exit(1);
}
const database = createDb(env.DATABASE_URL);
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3 });
const { binary, mounts, helpersDigest } = await sandboxRuntime();
const local = {
	dataDirectory: resolve(env.PROLIFERATE_DATA_DIR),
	runtimeMounts: mounts,
	allowUnisolated: env.SANDBOX_ALLOW_UNISOLATED,
	...(env.SANDBOX_ALLOW_INTERNET ? { internet: { allowCidrs: env.SANDBOX_EGRESS_ALLOW_CIDRS } } : {}),
	defaultLifetimeSeconds: env.SANDBOX_TIMEOUT_SECONDS,
	resources: {
		memoryMb: env.SANDBOX_MEMORY_MB,
		maxProcesses: env.SANDBOX_MAX_PROCESSES,
		diskMb: env.SANDBOX_DISK_MB,
		cpuShares: env.SANDBOX_CPU_SHARES,
	},
	logger: logger.child({ module: "sandbox" }),
};
const providers = new SandboxProviderRegistry(sandboxProvidersConfigFromEnv(env, { local, logger }));
try {
	// Fail at start, not at the first session, when the default provider lacks its settings.
	const provider = providers.get(env.SANDBOX_PROVIDER);
	const health = await provider.health();
	if (!health.healthy)
		logger.warn({ provider: provider.type, message: health.message }, "sandbox provider is not healthy");
} catch (error) {
	logger.fatal({ err: error, provider: env.SANDBOX_PROVIDER }, "sandbox provider cannot start");
	process.exit(1);
}
const remoteTypes = providers.configuredTypes().filter((type) => type !== "local");
const llmUrlForRemote = env.LLM_PROXY_ADMIN_SECRET
	? (env.LLM_PROXY_PUBLIC_URL ?? env.LLM_PROXY_URL)
	: env.AGENT_LLM_BASE_URL;
for (const [name, url] of [
	["GATEWAY_URL", env.GATEWAY_URL],
	[env.LLM_PROXY_ADMIN_SECRET ? "LLM_PROXY_PUBLIC_URL" : "AGENT_LLM_BASE_URL", llmUrlForRemote],
] as const) {
	if (remoteTypes.length > 0 && isLoopback(url))
		logger.warn(
			{ providers: remoteTypes, [name]: url },
			`remote sandboxes cannot reach ${url}: set ${name} to an address they can reach`,
		);
}
const gateway = createGateway({
	services: { db: database.db },
	redis,
	redisPrefix: env.REDIS_KEY_PREFIX,
	providers,
	...(env.SANDBOX_WARM_POOL_SIZE > 0
		? {
				warmPool: {
					size: env.SANDBOX_WARM_POOL_SIZE,
					lifetimeSeconds: env.SANDBOX_TIMEOUT_SECONDS,
					host: env.GATEWAY_INSTANCE_ID ?? hostname(),
				},
			}
		: {}),
	agent: {
		passwordSecret: env.SERVICE_TO_SERVICE_SECRET,
		llmBaseUrl: env.AGENT_LLM_BASE_URL,
		llmApiKey: env.AGENT_LLM_API_KEY,
		modelId: env.AGENT_MODEL_ID,
		modelLabel: env.AGENT_MODEL_LABEL,
		binaryFileName: binary.fileName,
		helpersDigest,
		...(env.LLM_PROXY_ADMIN_SECRET
			? {
					llmAccess: proxyLlmAccess(
						createLlmProxyClient({
							baseUrl: env.LLM_PROXY_URL,
							adminSecret: env.LLM_PROXY_ADMIN_SECRET,
							service: "gateway",
						}),
						env.LLM_PROXY_URL,
						env.LLM_PROXY_PUBLIC_URL,
					),
				}
			: {}),
	},
	secrets: { userSecret: env.GATEWAY_JWT_SECRET, serviceSecret: env.SERVICE_TO_SERVICE_SECRET },
	logger,
	instanceId: env.GATEWAY_INSTANCE_ID ?? `${hostname()}:${process.pid}`,
	leaseTtlMs: env.GATEWAY_LEASE_TTL_SECONDS * 1000,
	publicUrl: env.GATEWAY_URL,
	sandboxLifetimeSeconds: env.SANDBOX_TIMEOUT_SECONDS,
	objectStore,
	idleTimeoutMs: env.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
	webSocketLimits: webSocketLimitsFromEnv(env),
	...(env.SECRETS_ENCRYPTION_KEY
		? {
				secretKeyring: new secrets.SecretKeyring({
					current: env.SECRETS_ENCRYPTION_KEY,
					previous: env.SECRETS_ENCRYPTION_KEYS_PREVIOUS,
				}),
				github: {
					apiUrl: env.GITHUB_API_URL,
					app:
						env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY
							? { appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY }
							: undefined,
					secretBox: new integrations.SecretBox(env.SECRETS_ENCRYPTION_KEY),
				},
			}
		: {}),
});
// Artifacts saved before the object store (files under the old directory) move onto it once.
await migrateLegacyArtifacts({
	services: { db: database.db },
	objectStore,
	legacyDirectory: resolve(env.PROLIFERATE_DATA_DIR, "artifacts"),
	logger: logger.child({ module: "artifacts" }),
});
await gateway.listen(env.GATEWAY_PORT, "0.0.0.0");
logger.info(
	{
		port: env.GATEWAY_PORT,
		url: env.GATEWAY_URL,
		llm: env.LLM_PROXY_ADMIN_SECRET ? `proxy ${env.LLM_PROXY_URL}` : env.AGENT_LLM_BASE_URL,
	},
	"gateway listening",
);

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	logger.info({ signal }, "shutting down");
	await gateway.close();
	await providers.shutdown();
	redis.disconnect();
	await database.close();
	process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

function isLoopback(url: string): boolean {
	const host = new URL(url).hostname;
	return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}
