import { StringDecoder } from "node:string_decoder";
import type { LlmProtocol, TokenPrices } from "../routing/catalog";

/** Tokens of one response. `inputTokens` excludes cached input (read or written). */
export interface TokenUsage {
	inputTokens: number;
	outputTokens: number;
	cacheReadTokens: number;
	cacheWriteTokens: number;
}

const count = (value: unknown): number =>
	typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
	value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;

/** OpenAI `usage`: prompt_tokens includes cached ones (prompt_tokens_details.cached_tokens). */
export function openaiUsage(value: unknown): TokenUsage | undefined {
	const usage = asObject(value);
	if (!usage) return undefined;
	const cached = count(asObject(usage.prompt_tokens_details)?.cached_tokens);
	return {
		inputTokens: Math.max(0, count(usage.prompt_tokens) - cached),
		outputTokens: count(usage.completion_tokens),
		cacheReadTokens: cached,
		cacheWriteTokens: 0,
	};
}

/** Anthropic `usage`: input_tokens excludes cache reads and writes, which are reported apart. */
export function anthropicUsage(value: unknown): TokenUsage | undefined {
	const usage = asObject(value);
	if (!usage) return undefined;
	return {
		inputTokens: count(usage.input_tokens),
		outputTokens: count(usage.output_tokens),
		cacheReadTokens: count(usage.cache_read_input_tokens),
		cacheWriteTokens: count(usage.cache_creation_input_tokens),
	};
}

/** Usage of a whole (non-streamed) response body, if it reports any. */
export function usageOfResponse(protocol: LlmProtocol, body: string): TokenUsage | undefined {
	let parsed: Json | undefined;
	try {
		parsed = asObject(JSON.parse(body));
	} catch {
		return undefined;
	}
	if (!parsed) return undefined;
	return protocol === "openai" ? openaiUsage(parsed.usage) : anthropicUsage(parsed.usage);
}

/**
 * Watches a server-sent event stream as it passes through and picks out token usage. Only `data:`
 * lines that mention "usage" are parsed; everything else costs a substring search.
 * OpenAI reports usage in the last chunk (with `stream_options.include_usage`); Anthropic reports
 * input in `message_start` and cumulative output in `message_delta`.
 */
export class SseUsageTap {
	private readonly decoder = new StringDecoder("utf8");
	private partial = "";
	private current: TokenUsage | undefined;

	constructor(private readonly protocol: LlmProtocol) {}

	push(chunk: Buffer): void {
		const text = this.partial + this.decoder.write(chunk);
		let start = 0;
		for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
			this.line(text, start, end);
			start = end + 1;
		}
		this.partial = text.slice(start);
	}

	private line(text: string, start: number, end: number): void {
		if (!text.startsWith("data:", start)) return;
		const usageAt = text.indexOf('"usage"', start);
		if (usageAt === -1 || usageAt > end) return;
		let event: Json | undefined;
		try {
			event = asObject(JSON.parse(text.slice(start + 5, end)));
		} catch {
			return;
		}
		if (!event) return;
		if (this.protocol === "openai") {
			this.current = openaiUsage(event.usage) ?? this.current;
			return;
		}
		const reported = anthropicUsage(asObject(event.message)?.usage ?? event.usage);
		if (!reported) return;
		const previous = this.current;
		// message_delta repeats input counts only in newer API versions: keep the largest seen.
		this.current = {
			inputTokens: Math.max(previous?.inputTokens ?? 0, reported.inputTokens),
			outputTokens: Math.max(previous?.outputTokens ?? 0, reported.outputTokens),
			cacheReadTokens: Math.max(previous?.cacheReadTokens ?? 0, reported.cacheReadTokens),
			cacheWriteTokens: Math.max(previous?.cacheWriteTokens ?? 0, reported.cacheWriteTokens),
		};
	}

	get usage(): TokenUsage | undefined {
		return this.current;
	}
}

/** Cost in nano-dollars: prices are USD per 1M tokens, so one token costs `price × 1000` nano-dollars. */
export function costNanoUsd(usage: TokenUsage, price: TokenPrices): number {
	return Math.round(
		(usage.inputTokens * price.input +
			usage.outputTokens * price.output +
			usage.cacheReadTokens * price.cacheRead +
			usage.cacheWriteTokens * price.cacheWrite) *
			1000,
	);
}
