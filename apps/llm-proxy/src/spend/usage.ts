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
const textMarkers = /"(?:content|text|arguments|partial_json|thinking)":"/g;

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
 * what it asked for. Each chunk costs a few substring searches; only lines that mention "usage" are parsed.
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
	/** A dropped event's blank line is still to come (it starts the next chunk). */
	private dropping = false;

	constructor(
		private readonly protocol: LlmProtocol,
		/** Drop OpenAI usage-only chunks (the proxy asked for them, the client did not). */
		private readonly stripUsageChunks = false,
	) {}

	/** Takes a chunk from the upstream; returns what to send to the client (the chunk itself unless something was dropped or held). */
	push(chunk: Buffer): Buffer {
		const held = this.partial.length > 0;
		const text = held ? this.partial + this.decoder.write(chunk) : this.decoder.write(chunk);
		// Only whole lines are looked at; the rest waits for the next chunk.
		const whole = text.lastIndexOf("\n") + 1;
		this.partial = whole === text.length ? "" : text.slice(whole);
		// One regular-expression pass (a string search per marker costs ~7× more on event-sized chunks).
		textMarkers.lastIndex = 0;
		for (let match = textMarkers.exec(text); match && match.index < whole; match = textMarkers.exec(text)) {
			const from = match.index + match[0].length;
			const length = stringLength(text, from, text.indexOf("\n", from));
			this.textCharacters += length;
			textMarkers.lastIndex = from + length;
		}
		let kept: string[] | undefined;
		let keptFrom = 0;
		if (this.dropping && whole > 0) {
			this.dropping = false;
			const blank = text.charCodeAt(0) === 10 ? 1 : text.startsWith("\r\n") ? 2 : 0;
			if (blank) {
				kept = [];
				keptFrom = blank;
			}
		}
		for (let at = text.indexOf('"usage"'); at !== -1 && at < whole; at = text.indexOf('"usage"', at + 1)) {
			const lineStart = text.lastIndexOf("\n", at) + 1;
			const lineEnd = text.indexOf("\n", at);
			if (!this.usageLine(text, lineStart, lineEnd)) {
				at = lineEnd;
				continue;
			}
			// Drop the line and the blank line that ends its event.
			kept ??= [];
			kept.push(text.slice(keptFrom, lineStart));
			let next = lineEnd + 1;
			if (next >= whole) this.dropping = true;
			else if (text.charCodeAt(next) === 10) next += 1;
			else if (text.startsWith("\r\n", next)) next += 2;
			keptFrom = next;
			at = next - 1;
		}
		if (!this.stripUsageChunks) return chunk;
		// The usual case: whole events, nothing dropped: pass the upstream's bytes on as they are.
		if (!kept && !held && this.partial.length === 0) return chunk;
		if (kept) {
			kept.push(text.slice(keptFrom, whole));
			return Buffer.from(kept.join(""), "utf8");
		}
		return Buffer.from(text.slice(0, whole), "utf8");
	}

	/** What is still held back at the end of the stream. */
	end(): Buffer | undefined {
		const rest = this.partial + this.decoder.end();
		this.partial = "";
		return this.stripUsageChunks && rest.length > 0 ? Buffer.from(rest, "utf8") : undefined;
	}

	/** Reads the usage of one `data:` line; returns true when the line is to be dropped. */
	private usageLine(text: string, start: number, end: number): boolean {
		if (!text.startsWith("data:", start)) return false;
		const usageAt = text.indexOf('"usage"', start);
		if (text.startsWith('"usage":null', usageAt)) return false;
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
			return usageOnly && this.stripUsageChunks;
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
