import { EventEmitter } from "node:events";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { readBody } from "@proliferate/http-kit";
import type { Logger } from "@proliferate/logger";
import { llm } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import type Dispatcher from "undici/types/dispatcher";
import type { KeyCache } from "../keys/key-cache";
import type { ProxyMetrics } from "../metrics";
import type { Deployment, LlmProtocol, ModelCatalog } from "../routing/catalog";
import type { UpstreamPools } from "../routing/upstream-pools";
import type { BudgetReservations, Reservation } from "../spend/budget-reservations";
import type { SpendMeter } from "../spend/spend-meter";
import {
	charactersPerToken,
	costNanoUsd,
	estimateUsage,
	SseUsageTap,
	type TokenUsage,
	usageOfResponse,
} from "../spend/usage";
import { parseJsonObject } from "./json-object";
import { bodyReading, newRequestId, ProxyError, proxyErrors, sendVendorError } from "./vendor-errors";

export interface CompletionDeps {
	catalog: ModelCatalog;
	keys: KeyCache;
	spend: SpendMeter;
	budgets: BudgetReservations;
	pools: UpstreamPools;
	metrics: ProxyMetrics;
	logger: Logger;
	maxBodyBytes: number;
}

const endpoints: Record<LlmProtocol, { label: string }> = {
	openai: { label: "/v1/chat/completions" },
	anthropic: { label: "/v1/messages" },
};

/** Response headers worth passing back to the client (the rest describe the upstream hop). */
const forwardedResponseHeaders = new Set([
	"content-type",
	"content-length",
	"cache-control",
	"request-id",
	"x-request-id",
	"anthropic-organization-id",
	"openai-processing-ms",
	"retry-after",
	"retry-after-ms",
]);

/** The vendors' rate-limit headers (`x-ratelimit-*`, `anthropic-ratelimit-*`) pass through too: SDKs pace themselves by them. */
function isForwardedHeader(name: string): boolean {
	return (
		forwardedResponseHeaders.has(name) ||
		name.startsWith("x-ratelimit-") ||
		name.startsWith("anthropic-ratelimit-")
	);
}

/** The virtual key from `Authorization: Bearer` (any case, both protocols) or `x-api-key` (Anthropic SDKs). */
export function presentedKey(request: IncomingMessage): string | undefined {
	const authorization = request.headers.authorization;
	if (authorization && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === "bearer ")
		return authorization.slice(7).trim() || undefined;
	const apiKey = request.headers["x-api-key"];
	return typeof apiKey === "string" && apiKey ? apiKey : undefined;
}

/** Authenticates the request's virtual key (no I/O when cached; junk never reaches the cache or the database). */
export async function authenticate(
	deps: CompletionDeps,
	request: IncomingMessage,
	protocol: LlmProtocol,
): Promise<llm.VirtualKeyRecord> {
	const key = presentedKey(request);
	if (!key) throw proxyErrors.missingKey(protocol);
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
	for (const name in upstream.headers) {
		const value = upstream.headers[name];
		if (value !== undefined && isForwardedHeader(name)) headers[name] = value;
	}
	return headers;
}

/**
 * Tells undici the client left (undici takes an EventEmitter with an `abort` event as its signal): an
 * `AbortController` costs ~4.5 µs per request, most of the proxy's own per-request JavaScript.
 */
class ClientGone extends EventEmitter {
	aborted = false;

	abort(): void {
		if (this.aborted) return;
		this.aborted = true;
		this.emit("abort");
	}
}

type Attempt =
	| { kind: "response"; upstream: Dispatcher.ResponseData }
	| { kind: "failed"; reason: string; detail: string };

async function tryDeployment(
	deps: CompletionDeps,
	deployment: Deployment,
	body: Buffer,
	request: IncomingMessage,
	signal: ClientGone,
	isLast: boolean,
): Promise<Attempt> {
	const started = performance.now();
	try {
		const upstream = await deps.pools.get(deployment.origin).request({
			method: "POST",
			path: deployment.requestPath,
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

/** Output tokens reserved when the request sets no limit of its own. */
export const defaultReservedOutputTokens = 4096;

/** The most a request may cost by its own limits: input estimated from its size, output at `max_tokens`, at the dearest deployment's prices. */
export function reservationNanoUsd(
	parsed: Record<string, unknown>,
	requestBytes: number,
	deployments: Deployment[],
): number {
	const limit = parsed.max_tokens ?? parsed.max_completion_tokens;
	const outputTokens =
		typeof limit === "number" && Number.isFinite(limit) && limit > 0
			? Math.ceil(limit)
			: defaultReservedOutputTokens;
	const inputTokens = Math.ceil(requestBytes / charactersPerToken);
	let dearest = 0;
	for (const deployment of deployments) {
		const cost = costNanoUsd(
			{ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
			{ ...deployment.price, input: Math.max(deployment.price.input, deployment.price.cacheWrite) },
		);
		if (cost > dearest) dearest = cost;
	}
	return dearest;
}

/**
 * The upstream body for each deployment: the client's body serialized once without `model`; each
 * deployment's body is its `{"model":…` prefix followed by those bytes (no re-serialization per fallback).
 */
function upstreamBodies(parsed: Record<string, unknown>): (model: string) => Buffer {
	let tail: Buffer | undefined;
	let last: { model: string; body: Buffer } | undefined;
	return (model) => {
		if (last?.model === model) return last.body;
		if (!tail) {
			const { model: _model, ...rest } = parsed;
			const restJson = JSON.stringify(rest);
			tail = Buffer.from(restJson.length > 2 ? `,${restJson.slice(1)}` : "}", "utf8");
		}
		const head = Buffer.from(`{"model":${JSON.stringify(model)}`, "utf8");
		last = { model, body: Buffer.concat([head, tail], head.length + tail.length) };
		return last.body;
	};
}

/**
 * POST /v1/chat/completions and POST /v1/messages: authenticate, reserve the budget, pick
 * deployments, try them in order until one answers below 500 (nothing is sent to the client before
 * that), then pass the response through while tapping its usage. Every request that reached an
 * upstream is metered, from the reported usage or, failing that, from an estimate.
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
	const clientGone = new ClientGone();
	response.once("close", () => {
		if (!response.writableFinished) clientGone.abort();
	});
	let key: llm.VirtualKeyRecord | undefined;
	let reservation: Reservation | undefined;
	let charged = 0;
	/** The deployment a request is out to (metered by estimate if the client leaves first). */
	let inFlight: Deployment | undefined;
	let requestBytes = 0;
	const meter = (deployment: Deployment, usage: TokenUsage, estimated: boolean) => {
		if (!key) return;
		const cost = costNanoUsd(usage, deployment.price);
		charged += cost;
		deps.spend.record({ key, model, deployment: deployment.id, usage, costNanoUsd: cost, estimated });
		countTokens(deps, model, deployment.id, usage);
		if (estimated) deps.metrics.estimatedRequests.inc({ deployment: deployment.id });
	};
	try {
		key = await authenticate(deps, request, protocol);
		const body = await readBody(request, deps.maxBodyBytes, bodyReading);
		requestBytes = body.length;
		const parsed = parseJsonObject(body);
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
		const reserving = deps.budgets.reserve({
			key,
			keySpentNanoUsd: deps.spend.keySpent(key.id),
			organizationBudgetNanoUsd: deps.spend.organizationBudget(key.organizationId),
			organizationSpentNanoUsd: deps.spend.organizationSpent(key.organizationId),
			amountNanoUsd: () => reservationNanoUsd(parsed, requestBytes, deployments),
		});
		if (reserving) reservation = await reserving;
		// The proxy meters streams by their usage chunk; a client that did not ask for it does not get it.
		let stripUsage = false;
		if (protocol === "openai" && stream) {
			const options =
				parsed.stream_options && typeof parsed.stream_options === "object"
					? (parsed.stream_options as Record<string, unknown>)
					: {};
			if (options.include_usage !== true) {
				stripUsage = true;
				parsed.stream_options = { ...options, include_usage: true };
			}
		}
		const bodyFor = upstreamBodies(parsed);
		const failures: string[] = [];
		for (const [index, deployment] of deployments.entries()) {
			inFlight = deployment;
			const attempt = await tryDeployment(
				deps,
				deployment,
				bodyFor(deployment.model),
				request,
				clientGone,
				index === deployments.length - 1,
			);
			inFlight = undefined;
			if (attempt.kind === "failed") {
				deps.metrics.upstreamErrors.inc({ deployment: deployment.id, reason: attempt.reason });
				failures.push(attempt.detail);
				if (index < deployments.length - 1) deps.metrics.fallbacks.inc({ model });
				continue;
			}
			const relayed = await relay(deps, protocol, deployment, attempt.upstream, response, stream, stripUsage);
			if (attempt.upstream.statusCode < 300) {
				if (relayed.complete && relayed.usage) meter(deployment, relayed.usage, false);
				else meter(deployment, estimateUsage(relayed.usage, requestBytes, relayed.outputCharacters), true);
			}
			deps.metrics.requests.inc({ endpoint, model, status: attempt.upstream.statusCode });
			return;
		}
		const requestId = newRequestId();
		deps.logger.warn({ requestId, model, failures }, "every upstream failed");
		throw Object.assign(proxyErrors.upstreamFailed(), { requestId });
	} catch (error) {
		if (clientGone.aborted) {
			// The client left while an upstream was working on the request: the vendor bills the input.
			if (inFlight) meter(inFlight, estimateUsage(undefined, requestBytes, 0), true);
			deps.metrics.requests.inc({ endpoint, model, status: 499 });
			return;
		}
		const domain = error instanceof DomainError ? error : undefined;
		const requestId = (error as { requestId?: string }).requestId ?? newRequestId();
		if (!domain) deps.logger.error({ err: error, model, requestId }, "proxying failed");
		const answered = domain ?? new ProxyError("internal", "INTERNAL_ERROR", "The proxy failed to answer");
		if (answered.code === "REQUEST_TOO_LARGE") response.setHeader("connection", "close");
		sendVendorError(response, protocol, answered, requestId);
		deps.metrics.requests.inc({ endpoint, model, status: response.statusCode });
	} finally {
		if (reservation) void deps.budgets.settle(reservation, charged);
		deps.metrics.duration.observe({ endpoint, stream: String(stream) }, (performance.now() - started) / 1000);
	}
}

interface Relayed {
	usage: TokenUsage | undefined;
	/** The upstream reported its final usage (else the usage is partial or absent). */
	complete: boolean;
	outputCharacters: number;
}

/**
 * Passes the upstream response through. Streams go chunk by chunk (the chunks of one round of I/O
 * share one socket write, the end included); other bodies are sent in one write with the headers once complete.
 */
function relay(
	deps: CompletionDeps,
	protocol: LlmProtocol,
	deployment: Deployment,
	upstream: Dispatcher.ResponseData,
	response: ServerResponse,
	stream: boolean,
	stripUsage: boolean,
): Promise<Relayed> {
	const ok = upstream.statusCode < 300;
	const contentType = String(upstream.headers["content-type"] ?? "");
	const tap =
		ok && stream && contentType.includes("text/event-stream")
			? new SseUsageTap(protocol, stripUsage && protocol === "openai")
			: undefined;
	const headers = responseHeaders(upstream);
	const body = upstream.body;
	if (!tap) return relayWhole(deps, protocol, deployment, upstream.statusCode, headers, body, response, ok);
	// Dropping a chunk changes the length: a stripped stream is sent chunked.
	if (stripUsage) delete headers["content-length"];
	response.writeHead(upstream.statusCode, headers);
	const settled = (): Relayed => ({
		usage: tap.usage,
		complete: tap.complete,
		outputCharacters: tap.textCharacters,
	});
	let corked = false;
	const uncork = () => {
		corked = false;
		response.uncork();
	};
	return new Promise((resolve) => {
		body.on("data", (chunk: Buffer) => {
			const forwarded = tap.push(chunk);
			if (forwarded.length === 0) return;
			if (!corked) {
				// Released after this round of I/O: every chunk read meanwhile — and the end, when it
				// came with them — goes out in one socket write.
				corked = true;
				response.cork();
				setImmediate(uncork);
			}
			if (!response.write(forwarded)) {
				body.pause();
				response.once("drain", () => body.resume());
			}
		});
		body.once("end", () => {
			const rest = tap.end();
			if (rest) response.write(rest);
			response.end();
			resolve(settled());
		});
		body.once("error", (error: Error) => {
			if (!response.destroyed) {
				deps.metrics.upstreamErrors.inc({ deployment: deployment.id, reason: "aborted_stream" });
				deps.logger.warn({ err: error, deployment: deployment.id }, "upstream stream broke off");
				response.destroy();
			}
			resolve(settled());
		});
		// Settles however the body ends (after "end" or "error" this changes nothing).
		body.once("close", () => resolve(settled()));
	});
}

/** A whole (non-streamed) body: collected, then headers and body in one write. */
function relayWhole(
	deps: CompletionDeps,
	protocol: LlmProtocol,
	deployment: Deployment,
	status: number,
	headers: OutgoingHttpHeaders,
	body: Dispatcher.ResponseData["body"],
	response: ServerResponse,
	ok: boolean,
): Promise<Relayed> {
	const chunks: Buffer[] = [];
	let size = 0;
	return new Promise((resolve) => {
		const settled = (complete: boolean): Relayed => {
			if (!ok) return { usage: undefined, complete: true, outputCharacters: 0 };
			const text = Buffer.concat(chunks, size).toString("utf8");
			const usage = complete ? usageOfResponse(protocol, text) : undefined;
			return { usage, complete: usage !== undefined, outputCharacters: text.length };
		};
		body.on("data", (chunk: Buffer) => {
			chunks.push(chunk);
			size += chunk.length;
		});
		body.once("end", () => {
			const whole = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
			headers["content-length"] = whole.length;
			response.writeHead(status, headers);
			response.end(whole);
			resolve(settled(true));
		});
		body.once("error", (error: Error) => {
			if (!response.destroyed) {
				deps.metrics.upstreamErrors.inc({ deployment: deployment.id, reason: "aborted_stream" });
				deps.logger.warn({ err: error, deployment: deployment.id }, "upstream body broke off");
				response.destroy();
			}
			resolve(settled(false));
		});
		body.once("close", () => resolve(settled(false)));
	});
}

function countTokens(deps: CompletionDeps, model: string, deployment: string, usage: TokenUsage): void {
	const { tokens } = deps.metrics;
	if (usage.inputTokens) tokens.inc({ model, deployment, kind: "input" }, usage.inputTokens);
	if (usage.outputTokens) tokens.inc({ model, deployment, kind: "output" }, usage.outputTokens);
	if (usage.cacheReadTokens) tokens.inc({ model, deployment, kind: "cache_read" }, usage.cacheReadTokens);
	if (usage.cacheWriteTokens) tokens.inc({ model, deployment, kind: "cache_write" }, usage.cacheWriteTokens);
}
