import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sendJson } from "@proliferate/http-kit";
import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import type { Redis } from "ioredis";
import { authenticate, type CompletionDeps, handleCompletion } from "./http/completions";
import { handleInternal, type InternalApiDeps } from "./http/internal-api";
import { newRequestId, ProxyError, proxyErrors, sendVendorError } from "./http/vendor-errors";
import { KeyCache } from "./keys/key-cache";
import { createProxyMetrics, type ProxyMetrics } from "./metrics";
import type { ModelCatalog } from "./routing/catalog";
import { UpstreamPools } from "./routing/upstream-pools";
import { BudgetReservations } from "./spend/budget-reservations";
import { SpendMeter } from "./spend/spend-meter";

export interface LlmProxyDeps {
	services: ServiceContext;
	redis: Redis;
	redisPrefix: string;
	catalog: ModelCatalog;
	logger: Logger;
	adminSecret: string;
	spendFlushIntervalMs?: number;
	spendFlushSize?: number;
	/** Largest request body accepted (default 10 MB). */
	maxBodyBytes?: number;
	/** How long a cached key is trusted without a fresh look (revocations are pushed sooner). */
	keyCacheTtlMs?: number;
	/** Most known keys cached (LRU) and most unknown keys remembered (their own LRU). */
	keyCacheMaxEntries?: number;
	keyCacheMaxUnknownEntries?: number;
}

export interface LlmProxy {
	server: Server;
	url: string;
	metrics: ProxyMetrics;
	spend: SpendMeter;
	keys: KeyCache;
	budgets: BudgetReservations;
	listen: (port: number, host?: string) => Promise<string>;
	/** Writes pending spend now. */
	flush: () => Promise<void>;
	close: () => Promise<void>;
}

/** Builds the proxy (HTTP server, key cache, spend meter, metrics); `main.ts` and tests both use it. */
export async function createLlmProxy(deps: LlmProxyDeps): Promise<LlmProxy> {
	const metrics = createProxyMetrics();
	const spend = new SpendMeter({
		services: deps.services,
		logger: deps.logger,
		flushIntervalMs: deps.spendFlushIntervalMs ?? 2000,
		flushSize: deps.spendFlushSize ?? 500,
		onFlushError: () => metrics.spendFlushFailures.inc(),
	});
	const keys = await KeyCache.create({
		services: deps.services,
		logger: deps.logger,
		redis: deps.redis,
		channel: `${deps.redisPrefix}:llm-proxy:invalidations`,
		...(deps.keyCacheTtlMs ? { ttlMs: deps.keyCacheTtlMs } : {}),
		...(deps.keyCacheMaxEntries ? { maxEntries: deps.keyCacheMaxEntries } : {}),
		...(deps.keyCacheMaxUnknownEntries ? { maxNegativeEntries: deps.keyCacheMaxUnknownEntries } : {}),
		onLoad: (record) => spend.track(record),
		onEvict: (record) => spend.forget(record.id),
		onOrganizationBudgetChanged: (organizationId) => {
			void spend.refresh([], [organizationId]).catch((error: unknown) => {
				deps.logger.error({ err: error, organizationId }, "refreshing an organization budget failed");
			});
		},
	});
	const pools = new UpstreamPools();
	const budgets = new BudgetReservations({
		redis: deps.redis,
		prefix: deps.redisPrefix,
		logger: deps.logger,
	});
	const completionDeps: CompletionDeps = {
		catalog: deps.catalog,
		keys,
		spend,
		budgets,
		pools,
		metrics,
		logger: deps.logger,
		maxBodyBytes: deps.maxBodyBytes ?? 10 * 1024 * 1024,
	};
	const internalDeps: InternalApiDeps = {
		services: deps.services,
		keys,
		spend,
		logger: deps.logger,
		adminSecret: deps.adminSecret,
	};

	async function listModels(request: IncomingMessage, response: ServerResponse) {
		try {
			const key = await authenticate(completionDeps, request, "openai");
			const data = deps.catalog
				.list()
				.filter((route) => !key.allowedModels || key.allowedModels.includes(route.name))
				.map((route) => ({
					id: route.name,
					object: "model",
					created: 0,
					owned_by: "proliferate",
					display_name: route.label,
				}));
			sendJson(response, 200, { object: "list", data });
		} catch (error) {
			const requestId = newRequestId();
			if (!(error instanceof DomainError))
				deps.logger.error({ err: error, requestId }, "listing models failed");
			sendVendorError(
				response,
				"openai",
				error instanceof DomainError
					? error
					: new ProxyError("internal", "INTERNAL_ERROR", "The proxy failed to answer"),
				requestId,
			);
		}
	}

	function route(request: IncomingMessage, response: ServerResponse): Promise<void> | void {
		const rawUrl = request.url ?? "/";
		const queryAt = rawUrl.indexOf("?");
		const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
		const method = request.method;
		if (method === "POST" && path === "/v1/chat/completions")
			return handleCompletion(completionDeps, "openai", request, response);
		if (method === "POST" && path === "/v1/messages")
			return handleCompletion(completionDeps, "anthropic", request, response);
		if (method === "GET" && path === "/v1/models") return listModels(request, response);
		if (method === "GET" && path === "/health") return sendJson(response, 200, { status: "ok" });
		if (method === "GET" && path === "/metrics") {
			metrics.cachedKeys.set(keys.size);
			return metrics.registry.metrics().then((text) => {
				response.writeHead(200, { "content-type": metrics.registry.contentType });
				response.end(text);
			});
		}
		if (path.startsWith("/internal/"))
			return handleInternal(internalDeps, request, response, new URL(rawUrl, "http://proxy"));
		sendVendorError(
			response,
			path.startsWith("/v1/messages") ? "anthropic" : "openai",
			proxyErrors.notFound(method ?? "GET", path),
		);
	}

	const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
		const handled = route(request, response);
		if (handled)
			handled.catch((error: unknown) => {
				const requestId = newRequestId();
				deps.logger.error({ err: error, requestId }, "request failed");
				sendVendorError(
					response,
					(request.url ?? "").startsWith("/v1/messages") ? "anthropic" : "openai",
					new ProxyError("internal", "INTERNAL_ERROR", "The proxy failed to answer"),
					requestId,
				);
			});
	});
	let url = "";
	return {
		server,
		metrics,
		spend,
		keys,
		budgets,
		get url() {
			return url;
		},
		listen: (port, host = "127.0.0.1") =>
			new Promise<string>((resolve, reject) => {
				server.once("error", reject);
				server.listen(port, host, () => {
					const address = server.address() as AddressInfo;
					url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`;
					resolve(url);
				});
			}),
		flush: () => spend.flush(),
		close: async () => {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeIdleConnections();
			setTimeout(() => server.closeAllConnections(), 5000).unref();
			await closed;
			await spend.close().catch(() => {});
			await keys.close();
			await pools.close();
		},
	};
}
