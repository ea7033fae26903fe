import { readFileSync } from "node:fs";
import { llmProxyEnvSchema, loadEnvironmentOrExit } from "@proliferate/environment";
import { createLogger, installProcessGuard } from "@proliferate/logger";
import { createDb } from "@proliferate/services";
import { Redis } from "ioredis";
import { createLlmProxy } from "./create-proxy";
import { CatalogError, defaultCatalogConfig, ModelCatalog, parseCatalogJson } from "./routing/catalog";

const env = loadEnvironmentOrExit(llmProxyEnvSchema, "llm-proxy");
const logger = createLogger({ service: "llm-proxy", level: env.LOG_LEVEL });
// Anything that escapes every handler is logged with its context; an uncaught exception exits 1 and
// `make start` (or the orchestrator) restarts the proxy.
installProcessGuard(logger);

let catalog: ModelCatalog;
try {
	const config =
		env.LLM_MODEL_CATALOG ??
		(env.LLM_MODEL_CATALOG_PATH
			? parseCatalogJson(readFileSync(env.LLM_MODEL_CATALOG_PATH, "utf8"), env.LLM_MODEL_CATALOG_PATH)
			: defaultCatalogConfig(env.SCRIPTED_MODEL_PORT));
	catalog = new ModelCatalog(config, process.env);
} catch (error) {
	const message =
		error instanceof CatalogError || (error as { code?: string }).code === "ENOENT"
			? (error as Error).message
			: String(error);
	process.stderr.write(`[llm-proxy] Invalid model catalog: ${message}\n`);
	process.exit(1);
}

const database = createDb(env.DATABASE_URL);
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3 });
const proxy = await createLlmProxy({
	services: { db: database.db },
	redis,
	redisPrefix: env.REDIS_KEY_PREFIX,
	catalog,
	logger,
	adminSecret: env.LLM_PROXY_ADMIN_SECRET,
	spendFlushIntervalMs: env.LLM_SPEND_FLUSH_INTERVAL_MS,
	spendFlushSize: env.LLM_SPEND_FLUSH_SIZE,
	maxBodyBytes: env.LLM_PROXY_MAX_BODY_BYTES,
});
await proxy.listen(env.LLM_PROXY_PORT, "0.0.0.0");
logger.info(
	{ port: env.LLM_PROXY_PORT, models: catalog.list().map((route) => route.name) },
	"llm proxy listening",
);

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	logger.info({ signal }, "shutting down");
	await proxy.close();
	redis.disconnect();
	await database.close();
	process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
