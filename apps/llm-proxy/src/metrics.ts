import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one proxy instance (its own registry, so tests can run several). */
export function createProxyMetrics() {
	const registry = new Registry();
	const requests = new Counter({
		name: "llm_proxy_requests_total",
		help: "Requests answered, by endpoint, model and HTTP status",
		labelNames: ["endpoint", "model", "status"] as const,
		registers: [registry],
	});
	const duration = new Histogram({
		name: "llm_proxy_request_duration_seconds",
		help: "Time from request to the end of the response, by endpoint and whether it streamed",
		labelNames: ["endpoint", "stream"] as const,
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
		registers: [registry],
	});
	const timeToFirstByte = new Histogram({
		name: "llm_proxy_upstream_first_byte_seconds",
		help: "Time until the upstream answered with headers, by deployment",
		labelNames: ["deployment"] as const,
		buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
		registers: [registry],
	});
	const tokens = new Counter({
		name: "llm_proxy_tokens_total",
		help: "Tokens used, by model, deployment and kind (input, output, cache_read, cache_write)",
		labelNames: ["model", "deployment", "kind"] as const,
		registers: [registry],
	});
	const upstreamErrors = new Counter({
		name: "llm_proxy_upstream_errors_total",
		help: "Upstream failures, by deployment and reason (status_5xx, status_429, timeout, connect, aborted_stream)",
		labelNames: ["deployment", "reason"] as const,
		registers: [registry],
	});
	const fallbacks = new Counter({
		name: "llm_proxy_fallbacks_total",
		help: "Requests moved on to the next deployment of their model",
		labelNames: ["model"] as const,
		registers: [registry],
	});
	const estimatedRequests = new Counter({
		name: "llm_proxy_estimated_requests_total",
		help: "Requests metered from an estimate (no usage from the upstream, or the client left first), by deployment",
		labelNames: ["deployment"] as const,
		registers: [registry],
	});
	const spendFlushFailures = new Counter({
		name: "llm_proxy_spend_flush_failures_total",
		help: "Failed writes of spend to PostgreSQL (entries are kept and retried)",
		registers: [registry],
	});
	const cachedKeys = new Gauge({
		name: "llm_proxy_cached_keys",
		help: "Virtual keys held in the in-memory cache",
		registers: [registry],
	});
	return {
		registry,
		requests,
		duration,
		timeToFirstByte,
		tokens,
		upstreamErrors,
		fallbacks,
		estimatedRequests,
		spendFlushFailures,
		cachedKeys,
	};
}

export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;
