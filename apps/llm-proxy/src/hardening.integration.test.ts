import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { llm } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LlmProxy } from "./create-proxy";
import { fakeRateLimitHeaders, fakeUsage } from "./testing/fake-upstream";
import { createProxyHarness, type ProxyHarness } from "./testing/harness";

/**
 * The proxy as an attacker or a failing machine meets it: concurrent spending past a budget,
 * cancelled and usage-less streams, floods of junk keys, oversized bodies, leaky errors.
 */
let harness: ProxyHarness;
let second: LlmProxy;
let key: string;

beforeAll(async () => {
	harness = await createProxyHarness({
		maxBodyBytes: 256 * 1024,
		keyCacheMaxEntries: 100,
		keyCacheMaxUnknownEntries: 100,
	});
	second = await harness.startProxy();
	key = (
		await harness.client.mintKey({ organizationId: harness.organizationId, sessionId: harness.sessionId })
	).key;
});
afterAll(() => harness?.close());

const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({
	model,
	messages: [{ role: "user", content: "Say something" }],
	...extra,
});

async function post(
	path: string,
	body: unknown,
	headers: Record<string, string>,
	base = harness.proxy.url,
): Promise<{ status: number; headers: Headers; text: string }> {
	const response = await fetch(`${base}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...headers },
		body: JSON.stringify(body),
	});
	return { status: response.status, headers: response.headers, text: await response.text() };
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

/** The ledger rows of one key, after every instance wrote what it holds. */
async function ledgerOf(keyId: string) {
	await harness.proxy.flush();
	await second.flush();
	const page = await harness.client.spendSince({ cursor: 0, limit: 5000 });
	return page.entries.filter((entry) => entry.keyId === keyId);
}

/** One gpt-fake call's cost: 1000 input + 200 cached at $2/$0.5, 345 output at $8 per 1M tokens. */
const callCostNanoUsd = (1000 * 2 + 200 * 0.5 + fakeUsage.openai.completion_tokens * 8) * 1000;

/** Cancels a slow stream after its first chunk. */
function cancelAfterFirstChunk(body: unknown): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		const request = httpRequest(
			new URL(`${harness.proxy.url}/v1/chat/completions`),
			{ method: "POST", headers: { "content-type": "application/json", ...bearer(key) } },
			(response) => {
				response.once("data", () => {
					request.destroy();
					resolve();
				});
			},
		);
		request.on("error", (error) => {
			if (!request.destroyed) reject(error);
		});
		request.end(JSON.stringify(body));
	});
}

async function waitFor(probe: () => Promise<boolean>, what: string): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (await probe()) return;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`timed out waiting for ${what}`);
}

describe("budgets under concurrency", () => {
	it("holds a 5-call budget against 50 concurrent calls spread over two instances", async () => {
		const capped = await harness.client.mintKey({
			organizationId: harness.organizationId,
			budgetUsd: llm.nanoToUsd(5 * callCostNanoUsd),
		});
		// max_tokens makes each reservation (input estimate + 1000 output tokens) cover the real cost.
		const calls = Array.from({ length: 50 }, (_, index) =>
			post(
				"/v1/chat/completions",
				chatBody("gpt-fake", { max_tokens: 1000 }),
				bearer(capped.key),
				index % 2 === 0 ? harness.proxy.url : second.url,
			),
		);
		const results = await Promise.all(calls);
		const served = results.filter((result) => result.status === 200);
		const refused = results.filter((result) => result.status === 429);
		expect(served.length + refused.length).toBe(50);
		// The documented bound: spend stays below budget + one request; here that is at most 5 calls.
		expect(served.length).toBeGreaterThanOrEqual(1);
		expect(served.length).toBeLessThanOrEqual(5);
		for (const answer of refused) {
			expect(answer.headers.get("x-should-retry")).toBe("false");
			expect(JSON.parse(answer.text).error.code).toBe("key_budget_exceeded");
		}
		const spent = (await ledgerOf(capped.virtualKey.id)).reduce((sum, row) => sum + row.costNanoUsd, 0);
		expect(spent).toBe(served.length * callCostNanoUsd);
		expect(spent).toBeLessThanOrEqual(5 * callCostNanoUsd);

		// Used up after as many calls as fit; then refused on every instance.
		let sequential = served.length;
		while (
			(await post("/v1/chat/completions", chatBody("gpt-fake", { max_tokens: 1000 }), bearer(capped.key)))
				.status === 200
		)
			sequential++;
		expect(sequential).toBeLessThanOrEqual(5);
		const elsewhere = await post(
			"/v1/chat/completions",
			chatBody("gpt-fake"),
			bearer(capped.key),
			second.url,
		);
		expect(elsewhere.status).toBe(429);
		expect(elsewhere.headers.get("x-should-retry")).toBe("false");
	});

	it("marks organization budget refusals as final too", async () => {
		const orgKey = await harness.client.mintKey({ organizationId: harness.otherOrganizationId });
		await harness.client.setOrganizationBudget({
			organizationId: harness.otherOrganizationId,
			monthlyBudgetUsd: llm.nanoToUsd(callCostNanoUsd),
		});
		let last: Awaited<ReturnType<typeof post>> | undefined;
		await waitFor(async () => {
			last = await post("/v1/chat/completions", chatBody("gpt-fake"), bearer(orgKey.key));
			return last.status === 402;
		}, "the organization budget to be used up");
		expect(last?.headers.get("x-should-retry")).toBe("false");
		expect(JSON.parse(last?.text ?? "{}").error.code).toBe("organization_budget_exceeded");
		await harness.client.setOrganizationBudget({
			organizationId: harness.otherOrganizationId,
			monthlyBudgetUsd: null,
		});
	});
});

describe("metering without usage", () => {
	it("meters a cancelled stream, marked estimated", async () => {
		const minted = await harness.client.mintKey({ organizationId: harness.organizationId });
		key = minted.key;
		await cancelAfterFirstChunk(chatBody("slow-model", { stream: true }));
		await waitFor(
			async () => (await ledgerOf(minted.virtualKey.id)).length > 0,
			"the cancelled stream to be metered",
		);
		const [row] = await ledgerOf(minted.virtualKey.id);
		expect(row).toMatchObject({ model: "slow-model", requests: 1, estimatedRequests: 1 });
		expect(row?.inputTokens).toBeGreaterThan(0);
		expect(row?.costNanoUsd).toBeGreaterThan(0);
	});

	it("meters a request whose client left before the upstream answered, marked estimated", async () => {
		const minted = await harness.client.mintKey({ organizationId: harness.organizationId });
		const request = httpRequest(new URL(`${harness.proxy.url}/v1/chat/completions`), {
			method: "POST",
			headers: { "content-type": "application/json", ...bearer(minted.key) },
		});
		request.on("error", () => {});
		// The first deployment never answers (its timeout is 300 ms): the client leaves before.
		request.end(JSON.stringify(chatBody("timeout-model")));
		await new Promise((resolve) => setTimeout(resolve, 100));
		request.destroy();
		await waitFor(
			async () => (await ledgerOf(minted.virtualKey.id)).length > 0,
			"the abandoned request to be metered",
		);
		const rows = await ledgerOf(minted.virtualKey.id);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			deployment: "hanging",
			requests: 1,
			estimatedRequests: 1,
			outputTokens: 0,
		});
		expect(rows[0]?.inputTokens).toBeGreaterThan(0);
	});

	it("meters answers of an upstream that reports no usage, streamed or not, marked estimated", async () => {
		const minted = await harness.client.mintKey({ organizationId: harness.organizationId });
		const plain = await post("/v1/chat/completions", chatBody("silent-model"), bearer(minted.key));
		const streamed = await post(
			"/v1/chat/completions",
			chatBody("silent-model", { stream: true }),
			bearer(minted.key),
		);
		expect([plain.status, streamed.status]).toEqual([200, 200]);
		const [row] = await ledgerOf(minted.virtualKey.id);
		expect(row).toMatchObject({ model: "silent-model", requests: 2, estimatedRequests: 2 });
		// Output estimated from the streamed text, input from the request size.
		expect(row?.outputTokens).toBeGreaterThan(0);
		expect(row?.inputTokens).toBeGreaterThan(0);
		// A response that reported usage is not an estimate.
		await post("/v1/chat/completions", chatBody("gpt-fake"), bearer(minted.key));
		const rows = await ledgerOf(minted.virtualKey.id);
		expect(rows.find((entry) => entry.model === "gpt-fake")?.estimatedRequests).toBe(0);
	});
});

describe("stream contents", () => {
	it("never shows a usage-only chunk to a client that did not ask for usage", async () => {
		for (const model of ["gpt-fake", "fallback-model"]) {
			const plain = await post(
				"/v1/chat/completions",
				chatBody(model, { stream: true, max_tokens: 20 }),
				bearer(key),
			);
			expect(plain.status).toBe(200);
			expect(plain.text).toContain("data: [DONE]");
			expect(plain.text).not.toContain('"choices":[]');
			for (const event of plain.text.split("\n\n").filter(Boolean)) {
				const data = event.replace(/^data: /, "");
				if (data !== "[DONE]") expect(JSON.parse(data).choices.length).toBeGreaterThan(0);
			}
		}
		const asked = await post(
			"/v1/chat/completions",
			chatBody("gpt-fake", { stream: true, stream_options: { include_usage: true } }),
			bearer(key),
		);
		expect(asked.text).toContain('"choices":[]');
	});
});

describe("headers", () => {
	it("passes the vendors' rate-limit headers through", async () => {
		const openai = await post("/v1/chat/completions", chatBody("gpt-fake"), bearer(key));
		for (const [name, value] of Object.entries(fakeRateLimitHeaders.openai))
			expect(openai.headers.get(name)).toBe(value);
		const anthropic = await post(
			"/v1/messages",
			{ model: "claude-fake", max_tokens: 64, messages: [{ role: "user", content: "hi" }], stream: true },
			{ "x-api-key": key },
		);
		for (const [name, value] of Object.entries(fakeRateLimitHeaders.anthropic))
			expect(anthropic.headers.get(name)).toBe(value);
		const limited = await post("/v1/chat/completions", chatBody("limited-only-model"), bearer(key));
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after-ms")).toBe("7000");
		expect(limited.headers.get("x-ratelimit-remaining-requests")).toBe("0");
	});
});

describe("keys", () => {
	it("accepts any case of Bearer and gives each vendor's clients the header they send", async () => {
		for (const scheme of ["bearer", "BEARER", "Bearer"]) {
			const answer = await post("/v1/chat/completions", chatBody("gpt-fake"), {
				authorization: `${scheme} ${key}`,
			});
			expect(answer.status).toBe(200);
		}
		const anthropic = await post("/v1/messages", { model: "claude-fake", max_tokens: 8, messages: [] }, {});
		expect(anthropic.status).toBe(401);
		expect(JSON.parse(anthropic.text).error.message).toContain("x-api-key");
		const openai = await post("/v1/chat/completions", chatBody("gpt-fake"), {});
		expect(JSON.parse(openai.text).error.message).toContain("Authorization: Bearer");
	});

	it("keeps serving a valid key from cache through 10,000 junk keys, with bounded database lookups", async () => {
		const valid = await harness.client.mintKey({ organizationId: harness.organizationId });
		const models = (value: string) =>
			fetch(`${harness.proxy.url}/v1/models`, { headers: bearer(value) }).then(async (response) => {
				await response.arrayBuffer();
				return response.status;
			});
		expect(await models(valid.key)).toBe(200);
		const lookupsBefore = harness.proxy.keys.databaseLookups;
		const wellFormedUnknown = Array.from(
			{ length: 200 },
			() => `sk-prl-${randomBytes(32).toString("base64url")}`,
		);
		const junk = Array.from({ length: 10_000 }, (_, index) =>
			index % 50 === 0
				? (wellFormedUnknown[(index / 50) % wellFormedUnknown.length] ?? "")
				: `sk-prl-${randomBytes(8).toString("hex")}-${index}`,
		);
		// The 50 latest well-formed unknown keys again: still remembered (the LRU holds 100), no lookup.
		junk.push(...wellFormedUnknown.slice(150));
		for (let start = 0; start < junk.length; start += 100) {
			const statuses = await Promise.all(junk.slice(start, start + 100).map(models));
			expect(statuses.every((status) => status === 401)).toBe(true);
		}
		const lookups = harness.proxy.keys.databaseLookups - lookupsBefore;
		// Malformed keys never reach the database; each well-formed unknown one at most once.
		expect(lookups).toBeLessThanOrEqual(wellFormedUnknown.length);
		expect(harness.proxy.keys.unknownSize).toBeLessThanOrEqual(100);
		const lookupsBeforeValid = harness.proxy.keys.databaseLookups;
		expect(await models(valid.key)).toBe(200);
		expect(harness.proxy.keys.databaseLookups).toBe(lookupsBeforeValid);
	});
});

describe("errors", () => {
	it("answers a 502 with a request id and nothing about the upstreams", async () => {
		const down = await post("/v1/chat/completions", chatBody("down-model"), bearer(key));
		expect(down.status).toBe(502);
		const requestId = down.headers.get("x-request-id");
		expect(requestId).toMatch(/^req_prx_/);
		const error = JSON.parse(down.text).error;
		expect(error).toMatchObject({ type: "server_error", code: "upstream_failed" });
		expect(error.message).toContain(requestId);
		for (const leak of ["broken", "error-500", "127.0.0.1", new URL(harness.upstream.url).port, "exploded"])
			expect(down.text).not.toContain(leak);
	});

	it("answers 413 to a client still sending an oversized body, instead of cutting the connection", async () => {
		// 2 MB streamed (chunked, no length) in 64 KB pieces, 5 ms apart: the proxy sees the excess
		// (the limit here is 256 KB) while the client is still sending.
		const piece = new Uint8Array(64 * 1024).fill(120);
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			async pull(controller) {
				if (sent === 0) controller.enqueue(new TextEncoder().encode('{"model":"gpt-fake","pad":"'));
				if (sent++ >= 32) return controller.close();
				await new Promise((resolve) => setTimeout(resolve, 5));
				controller.enqueue(piece);
			},
		});
		const response = await fetch(`${harness.proxy.url}/v1/chat/completions`, {
			method: "POST",
			headers: { "content-type": "application/json", ...bearer(key) },
			body,
			duplex: "half",
		} as RequestInit);
		expect(response.status).toBe(413);
		expect(((await response.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
	});
});
