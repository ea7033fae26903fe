import { describe, expect, it } from "vitest";
import { costNanoUsd, estimateUsage, SseUsageTap, usageOfResponse } from "./usage";

const prices = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

function feed(tap: SseUsageTap, text: string, pieceSize: number) {
	const bytes = Buffer.from(text);
	for (let offset = 0; offset < bytes.length; offset += pieceSize)
		tap.push(bytes.subarray(offset, offset + pieceSize));
}

describe("usage", () => {
	it("reads OpenAI usage from the last stream chunk, whatever the chunk boundaries", () => {
		const stream = [
			`data: ${JSON.stringify({ choices: [{ delta: { content: "héllo “usage” ü" } }] })}\n\n`,
			`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 120, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 20 } } })}\n\n`,
			"data: [DONE]\n\n",
		].join("");
		for (const size of [1, 3, 7, 1000]) {
			const tap = new SseUsageTap("openai");
			feed(tap, stream, size);
			expect(tap.usage).toEqual({
				inputTokens: 100,
				outputTokens: 7,
				cacheReadTokens: 20,
				cacheWriteTokens: 0,
			});
		}
	});

	it("combines Anthropic message_start input counts with message_delta output counts", () => {
		const stream = [
			"event: message_start\n",
			`data: ${JSON.stringify({ type: "message_start", message: { usage: { input_tokens: 50, cache_read_input_tokens: 10, cache_creation_input_tokens: 5, output_tokens: 1 } } })}\n\n`,
			"event: message_delta\n",
			`data: ${JSON.stringify({ type: "message_delta", usage: { output_tokens: 42 } })}\n\n`,
		].join("");
		const tap = new SseUsageTap("anthropic");
		feed(tap, stream, 5);
		expect(tap.usage).toEqual({
			inputTokens: 50,
			outputTokens: 42,
			cacheReadTokens: 10,
			cacheWriteTokens: 5,
		});
	});

	it("reports nothing for streams and bodies without usage", () => {
		const tap = new SseUsageTap("openai");
		feed(tap, 'data: {"choices":[]}\n\ndata: [DONE]\n\n', 4);
		expect(tap.usage).toBeUndefined();
		expect(usageOfResponse("openai", "not json")).toBeUndefined();
		expect(usageOfResponse("anthropic", '{"usage":{"input_tokens":3,"output_tokens":4}}')).toEqual({
			inputTokens: 3,
			outputTokens: 4,
			cacheReadTokens: 0,
			cacheWriteTokens: 0,
		});
	});

	it("prices each kind of token in nano-dollars", () => {
		const usage = { inputTokens: 1_000_000, outputTokens: 1000, cacheReadTokens: 10, cacheWriteTokens: 3 };
		// $3 for 1M input, $0.015 for 1k output, 10 × $0.3/1M, 3 × $3.75/1M.
		expect(costNanoUsd(usage, prices)).toBe(3_000_000_000 + 15_000_000 + 3_000 + 11_250);
	});

	it("drops the usage-only chunk it was told to, however the stream is split, and passes the rest unchanged", () => {
		const content = (text: string) =>
			`data: {"id":"c","choices":[{"index":0,"delta":{"content":"${text}"},"finish_reason":null}]}\n\n`;
		const usageChunk = `data: {"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}\n\n`;
		const stream = `${content('Hé \\"quoted\\" ')}${content("wörld")}${usageChunk}data: [DONE]\n\n`;
		for (const pieceSize of [1, 3, 7, 64, stream.length]) {
			const tap = new SseUsageTap("openai", true);
			const bytes = Buffer.from(stream);
			const out: Buffer[] = [];
			for (let offset = 0; offset < bytes.length; offset += pieceSize)
				out.push(tap.push(bytes.subarray(offset, offset + pieceSize)));
			const rest = tap.end();
			if (rest) out.push(rest);
			expect(Buffer.concat(out).toString()).toBe(stream.replace(usageChunk, ""));
			expect(tap.usage).toMatchObject({ inputTokens: 7, outputTokens: 3 });
			expect(tap.complete).toBe(true);
			expect(tap.textCharacters).toBe('Hé \\"quoted\\" '.length + "wörld".length);
		}
		// Without stripping, each chunk is passed on as it came.
		const observer = new SseUsageTap("openai");
		const chunk = Buffer.from(usageChunk);
		expect(observer.push(chunk)).toBe(chunk);
	});

	it("estimates usage from the request size and the streamed text, keeping what was reported", () => {
		expect(estimateUsage(undefined, 400, 81)).toEqual({
			inputTokens: 100,
			outputTokens: 21,
			cacheReadTokens: 0,
			cacheWriteTokens: 0,
		});
		// Anthropic's message_start came (input known), the stream was cut before message_delta.
		const partial = { inputTokens: 900, outputTokens: 1, cacheReadTokens: 50, cacheWriteTokens: 0 };
		expect(estimateUsage(partial, 400, 40)).toEqual({ ...partial, outputTokens: 10 });
	});
});
