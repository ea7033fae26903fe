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

/** Where streamed text sits in each protocol's events (for estimates when no usage arrives). */
const textMarkers = ['"content":"', '"text":"', '"arguments":"', '"partial_json":"', '"thinking":"'];

/** Length of the JSON string starting at `from` (just after its opening quote), up to `end`. */
function stringLength(text: string, from: number, end: number): number {
	let index = from;
	while (index < end) {
		const quote = text.indexOf('"', index);
		if (quote === -1 || quote >= end) return end - from;
		let backslashes = 0;
		for (let back = quote - 1; back >= from && text.charCodeAt(back) === 92; back--) backslashes++;
		if (backslashes % 2 === 0) return quote - from;
		index = quote + 1;
	}
	return end - from;
}

/**
 * Watches a server-sent event stream as it passes through: picks out token usage, counts the
 * characters of streamed text (the estimate when no usage arrives), and — when the proxy asked for
 * OpenAI usage the client did not — drops the usage-only chunk (`choices: []`) so the client sees only
 * what it asked for. Only `data:` lines that mention "usage" are parsed; the rest costs substring searches.
 * OpenAI reports usage in the last chunk (with `stream_options.include_usage`); Anthropic reports
 * input in `message_start` and cumulative output in `message_delta`.
 */
export class SseUsageTap {
	private readonly decoder = new StringDecoder("utf8");
	private partial = "";
	private current: TokenUsage | undefined;
	/** Whether the final usage arrived (OpenAI: the usage chunk; Anthropic: `message_delta`). */
	complete = false;
	/** Characters of streamed text (content, tool arguments, thinking) seen so far. */
	textCharacters = 0;
	private dropping = false;

	constructor(
		private readonly protocol: LlmProtocol,
		/** Drop OpenAI usage-only chunks (the proxy asked for them, the client did not). */
		private readonly stripUsageChunks = false,
	) {}

	/** Takes a chunk from the upstream; returns what to send to the client (the chunk itself unless something was dropped). */
	push(chunk: Buffer): Buffer {
		const held = this.partial.length > 0;
		const text = this.partial + this.decoder.write(chunk);
		let start = 0;
		let kept: string[] | undefined;
		for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
			const drop = this.line(text, start, end);
			if (drop) {
				kept ??= [text.slice(0, start)];
			} else if (kept) kept.push(text.slice(start, end + 1));
			start = end + 1;
		}
		this.partial = text.slice(start);
		if (!this.stripUsageChunks) return chunk;
		// The usual case: whole events, nothing dropped: pass the upstream's bytes on as they are.
		if (!kept && !held && this.partial.length === 0) return chunk;
		// Hold back an incomplete line until its end arrives (a usage chunk could be split).
		const forwarded = kept ? kept.join("") : text.slice(0, start);
		return Buffer.from(forwarded, "utf8");
	}

	/** What is still held back at the end of the stream. */
	end(): Buffer | undefined {
		const rest = this.partial + this.decoder.end();
		this.partial = "";
		return this.stripUsageChunks && rest.length > 0 ? Buffer.from(rest, "utf8") : undefined;
	}

	/** Scans one line; returns true when it is to be dropped from what the client receives. */
	private line(text: string, start: number, end: number): boolean {
		if (this.dropping) {
			this.dropping = false;
			// The blank line that ended the dropped event goes with it.
			if (end === start || (end === start + 1 && text.charCodeAt(start) === 13)) return true;
		}
		if (!text.startsWith("data:", start)) return false;
		for (const marker of textMarkers) {
			const at = text.indexOf(marker, start);
			if (at !== -1 && at < end) this.textCharacters += stringLength(text, at + marker.length, end);
		}
		const usageAt = text.indexOf('"usage"', start);
		if (usageAt === -1 || usageAt > end || text.startsWith('"usage":null', usageAt)) return false;
		let event: Json | undefined;
		try {
			event = asObject(JSON.parse(text.slice(start + 5, end)));
		} catch {
			return false;
		}
		if (!event) return false;
		if (this.protocol === "openai") {
			const reported = openaiUsage(event.usage);
			if (!reported) return false;
			this.current = reported;
			this.complete = true;
			const usageOnly = Array.isArray(event.choices) && event.choices.length === 0;
			if (usageOnly && this.stripUsageChunks) {
				this.dropping = true;
				return true;
			}
			return false;
		}
		const reported = anthropicUsage(asObject(event.message)?.usage ?? event.usage);
		if (!reported) return false;
		if (event.type === "message_delta") this.complete = true;
		const previous = this.current;
		// message_delta repeats input counts only in newer API versions: keep the largest seen.
		this.current = {
			inputTokens: Math.max(previous?.inputTokens ?? 0, reported.inputTokens),
			outputTokens: Math.max(previous?.outputTokens ?? 0, reported.outputTokens),
			cacheReadTokens: Math.max(previous?.cacheReadTokens ?? 0, reported.cacheReadTokens),
			cacheWriteTokens: Math.max(previous?.cacheWriteTokens ?? 0, reported.cacheWriteTokens),
		};
		return false;
	}

	get usage(): TokenUsage | undefined {
		return this.current;
	}
}

/** Characters per token the estimates assume (a common average for English text and code). */
export const charactersPerToken = 4;

/**
 * Usage when the upstream reported none (or not all of it): input from the request body's size,
 * output from the streamed text. Whatever the upstream did report is kept.
 */
export function estimateUsage(
	reported: TokenUsage | undefined,
	requestBytes: number,
	outputCharacters: number,
): TokenUsage {
	const input = reported ? reported.inputTokens + reported.cacheReadTokens + reported.cacheWriteTokens : 0;
	return {
		inputTokens: input > 0 ? (reported?.inputTokens ?? 0) : Math.ceil(requestBytes / charactersPerToken),
		outputTokens: Math.max(reported?.outputTokens ?? 0, Math.ceil(outputCharacters / charactersPerToken)),
		cacheReadTokens: reported?.cacheReadTokens ?? 0,
		cacheWriteTokens: reported?.cacheWriteTokens ?? 0,
	};
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
