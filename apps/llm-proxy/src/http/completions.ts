import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Logger } from "@proliferate/logger";
import { llm } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import type Dispatcher from "undici/types/dispatcher";
import type { KeyCache } from "../keys/key-cache";
import type { ProxyMetrics } from "../metrics";
import type { Deployment, LlmProtocol, ModelCatalog } from "../routing/catalog";
import type { UpstreamPools } from "../routing/upstream-pools";
import type { SpendMeter } from "../spend/spend-meter";
import { costNanoUsd, SseUsageTap, type TokenUsage, usageOfResponse } from "../spend/usage";
import { parseJsonObject, readBody } from "./read-body";
import { ProxyError, proxyErrors, sendVendorError } from "./vendor-errors";

export interface CompletionDeps {
	catalog: ModelCatalog;
	keys: KeyCache;
	spend: SpendMeter;
	pools: UpstreamPools;
	metrics: ProxyMetrics;
	logger: Logger;
	maxBodyBytes: number;
}

const endpoints: Record<LlmProtocol, { path: string; label: string }> = {
	openai: { path: "/chat/completions", label: "/v1/chat/completions" },
	anthropic: { path: "/messages", label: "/v1/messages" },
};

/** Response headers worth passing back to the client (the rest describe the upstream hop). */
const forwardedResponseHeaders = [
	"content-type",
	"content-length",
	"cache-control",
	"request-id",
	"x-request-id",
	"anthropic-organization-id",
	"openai-processing-ms",
	"retry-after",
];

/** The virtual key from `Authorization: Bearer` (both protocols) or `x-api-key` (Anthropic SDKs). */
export function presentedKey(request: IncomingMessage): string | undefined {
	const authorization = request.headers.authorization;
	if (authorization?.startsWith("Bearer ")) return authorization.slice(7).trim() || undefined;
	const apiKey = request.headers["x-api-key"];
	return typeof apiKey === "string" && apiKey ? apiKey : undefined;
}

/** Authenticates the request's virtual key (no I/O when cached). */
export async function authenticate(
	deps: CompletionDeps,
	request: IncomingMessage,
): Promise<llm.VirtualKeyRecord> {
	const key = presentedKey(request);
	if (!key) throw proxyErrors.missingKey();
	const record = await deps.keys.get(key);
	llm.assertVirtualKeyUsable(record, {});
	return record;
}

function upstreamHeaders(
	deployment: Deployment,
	request: IncomingMessage,
	length: number,
): Record<string, string> {
	const headers: Record<string, string> = {
		"content-type": "application/json",
		"content-length": String(length),
	};
	if (deployment.protocol === "anthropic") {
		headers["anthropic-version"] =
			(request.headers["anthropic-version"] as string | undefined) ?? "2023-06-01";
		const beta = request.headers["anthropic-beta"];
		if (typeof beta === "string") headers["anthropic-beta"] = beta;
		if (deployment.apiKey) headers["x-api-key"] = deployment.apiKey;
	} else if (deployment.apiKey) {
		headers.authorization = `Bearer ${deployment.apiKey}`;
	}
	return headers;
}

function responseHeaders(upstream: Dispatcher.ResponseData): OutgoingHttpHeaders {
	const headers: OutgoingHttpHeaders = {};
	for (const name of forwardedResponseHeaders) {
		const value = upstream.headers[name];
		if (value !== undefined) headers[name] = value;
	}
	return headers;
}

type Attempt =
	| { kind: "response"; upstream: Dispatcher.ResponseData }
	| { kind: "failed"; reason: string; detail: string };

async function tryDeployment(
	deps: CompletionDeps,
	deployment: Deployment,
	body: Buffer,
	request: IncomingMessage,
	signal: AbortSignal,
	isLast: boolean,
): Promise<Attempt> {
	const started = performance.now();
	try {
		const upstream = await deps.pools.get(deployment.origin).request({
			method: "POST",
			path: `${deployment.basePath}${endpoints[deployment.protocol].path}`,
			headers: upstreamHeaders(deployment, request, body.length),
			body,
			signal,
			headersTimeout: deployment.timeoutMs,
			bodyTimeout: deployment.timeoutMs,
		});
		deps.metrics.timeToFirstByte.observe({ deployment: deployment.id }, (performance.now() - started) / 1000);
		// A rate-limited deployment hands over to the next one; the last one's 429 reaches the client.
		if (upstream.statusCode >= 500 || (upstream.statusCode === 429 && !isLast)) {
			const text = await upstream.body.text().catch(() => "");
			return {
				kind: "failed",
				reason: upstream.statusCode === 429 ? "status_429" : "status_5xx",
				detail: `${deployment.id} answered ${upstream.statusCode} ${text.slice(0, 200)}`,
			};
		}
		return { kind: "response", upstream };
	} catch (error) {
		if (signal.aborted) throw error;
		const code = (error as { code?: string }).code ?? "";
		const reason = code.includes("TIMEOUT") ? "timeout" : "connect";
		return { kind: "failed", reason, detail: `${deployment.id}: ${(error as Error).message}` };
	}
}

/**
 * POST /v1/chat/completions and POST /v1/messages: authenticate, pick deployments, try them in
 * order until one answers below 500 (nothing is sent to the client before that), then pass the
 * response through chunk by chunk while tapping its usage.
 */
export async function handleCompletion(
	deps: CompletionDeps,
	protocol: LlmProtocol,
	request: IncomingMessage,
	response: ServerResponse,
): Promise<void> {
	const started = performance.now();
	const endpoint = endpoints[protocol].label;
	let model = "";
	let stream = false;
	const abort = new AbortController();
	response.once("close", () => {
		if (!response.writableFinished) abort.abort();
	});
	try {
		const key = await authenticate(deps, request);
		const parsed = parseJsonObject(await readBody(request, deps.maxBodyBytes));
		if (typeof parsed.model !== "string" || !parsed.model)
			throw proxyErrors.invalidBody("`model` must be a non-empty string");
		model = parsed.model;
		stream = parsed.stream === true;
		llm.assertVirtualKeyUsable(key, { model });
		const route = deps.catalog.get(model);
		if (!route) throw proxyErrors.unknownModel(model);
		const deployments = route.deployments.filter((deployment) => deployment.protocol === protocol);
		if (deployments.length === 0)
			throw proxyErrors.wrongProtocol(model, endpoints[protocol === "openai" ? "anthropic" : "openai"].label);
		deps.spend.assertWithinBudget(key);
		if (protocol === "openai" && stream) {
			const options =
				parsed.stream_options && typeof parsed.stream_options === "object" ? parsed.stream_options : {};
			parsed.stream_options = { ...options, include_usage: true };
		}
		const failures: string[] = [];
		for (const [index, deployment] of deployments.entries()) {
			parsed.model = deployment.model;
			const attempt = await tryDeployment(
				deps,
				deployment,
				Buffer.from(JSON.stringify(parsed)),
				request,
				abort.signal,
				index === deployments.length - 1,
			);
			if (attempt.kind === "failed") {
				deps.metrics.upstreamErrors.inc({ deployment: deployment.id, reason: attempt.reason });
				deps.logger.warn({ deployment: deployment.id, model, reason: attempt.reason }, "upstream failed");
				failures.push(attempt.detail);
				if (index < deployments.length - 1) deps.metrics.fallbacks.inc({ model });
				continue;
			}
			const usage = await relay(deps, protocol, deployment, attempt.upstream, response, stream);
			if (usage) {
				const cost = costNanoUsd(usage, deployment.price);
				deps.spend.record({ key, model, deployment: deployment.id, usage, costNanoUsd: cost });
				countTokens(deps, model, deployment.id, usage);
			}
			deps.metrics.requests.inc({ endpoint, model, status: attempt.upstream.statusCode });
			return;
		}
		throw proxyErrors.upstreamFailed(failures.join("; "));
	} catch (error) {
		if (abort.signal.aborted) {
			deps.metrics.requests.inc({ endpoint, model, status: 499 });
			return;
		}
		const domain = error instanceof DomainError ? error : undefined;
		if (!domain) deps.logger.error({ err: error, model }, "proxying failed");
		const answered = domain ?? new ProxyError("internal", "INTERNAL_ERROR", "The proxy failed to answer");
		if (answered.code === "REQUEST_TOO_LARGE") response.setHeader("connection", "close");
		sendVendorError(response, protocol, answered);
		deps.metrics.requests.inc({ endpoint, model, status: response.statusCode });
	} finally {
		deps.metrics.duration.observe({ endpoint, stream: String(stream) }, (performance.now() - started) / 1000);
	}
}

/** Passes the upstream response through as it arrives; returns the usage it reported. */
function relay(
	deps: CompletionDeps,
	protocol: LlmProtocol,
	deployment: Deployment,
	upstream: Dispatcher.ResponseData,
	response: ServerResponse,
	stream: boolean,
): Promise<TokenUsage | undefined> {
	response.writeHead(upstream.statusCode, responseHeaders(upstream));
	const ok = upstream.statusCode < 300;
	const contentType = String(upstream.headers["content-type"] ?? "");
	const tap =
		ok && stream && contentType.includes("text/event-stream") ? new SseUsageTap(protocol) : undefined;
	const collected: Buffer[] | undefined = ok && !tap ? [] : undefined;
	const body = upstream.body;
	// Events rather than async iteration: one callback per chunk, backpressure by pause/resume.
	return new Promise((resolve) => {
		body.on("data", (chunk: Buffer) => {
			tap?.push(chunk);
			collected?.push(chunk);
			if (!response.write(chunk)) {
				body.pause();
				response.once("drain", () => body.resume());
			}
		});
		body.once("end", () => {
			response.end();
			if (tap) return resolve(tap.usage);
			resolve(collected ? usageOfResponse(protocol, Buffer.concat(collected).toString("utf8")) : undefined);
		});
		body.once("error", (error: Error) => {
			if (!response.destroyed) {
				deps.metrics.upstreamErrors.inc({ deployment: deployment.id, reason: "aborted_stream" });
				deps.logger.warn({ err: error, deployment: deployment.id }, "upstream stream broke off");
				response.destroy();
			}
			resolve(tap?.usage);
		});
		// Settles however the body ends (after "end" or "error" this changes nothing).
		body.once("close", () => resolve(tap?.usage));
	});
}

function countTokens(deps: CompletionDeps, model: string, deployment: string, usage: TokenUsage): void {
	const { tokens } = deps.metrics;
	if (usage.inputTokens) tokens.inc({ model, deployment, kind: "input" }, usage.inputTokens);
	if (usage.outputTokens) tokens.inc({ model, deployment, kind: "output" }, usage.outputTokens);
	if (usage.cacheReadTokens) tokens.inc({ model, deployment, kind: "cache_read" }, usage.cacheReadTokens);
	if (usage.cacheWriteTokens) tokens.inc({ model, deployment, kind: "cache_write" }, usage.cacheWriteTokens);
}
