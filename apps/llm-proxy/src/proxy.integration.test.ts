import { request as httpRequest } from "node:http";
import { signServiceToken, signUserToken } from "@proliferate/shared/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeUsage } from "./testing/fake-upstream";
import { createProxyHarness, type ProxyHarness } from "./testing/harness";

let harness: ProxyHarness;
let sessionKey: string;

beforeAll(async () => {
	harness = await createProxyHarness({ maxBodyBytes: 256 * 1024 });
	sessionKey = (
		await harness.client.mintKey({ organizationId: harness.organizationId, sessionId: harness.sessionId })
	).key;
});
afterAll(() => harness?.close());

async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string) {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		const value = await probe();
		if (value) return value;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`timed out waiting for ${what}`);
}

const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({
	model,
	messages: [{ role: "user", content: "Say something" }],
	...extra,
});
const messagesBody = (model: string, extra: Record<string, unknown> = {}) => ({
	model,
	max_tokens: 256,
	messages: [{ role: "user", content: "Say something" }],
	...extra,
});

async function post(path: string, body: unknown, key: string | undefined, base = harness.proxy.url) {
	const response = await fetch(`${base}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
		body: typeof body === "string" ? body : JSON.stringify(body),
	});
	return {
		status: response.status,
		headers: response.headers,
		bytes: Buffer.from(await response.arrayBuffer()),
	};
}

const json = (bytes: Buffer) => JSON.parse(bytes.toString("utf8"));

describe("pass-through", () => {
	it("relays OpenAI chat completions byte for byte, streaming and not", async () => {
		const plain = await post("/v1/chat/completions", chatBody("gpt-fake"), sessionKey);
		const direct = await post("/v1/chat/completions", chatBody("gpt-fake"), undefined, harness.upstream.url);
		expect(plain.status).toBe(200);
		expect(plain.bytes.equals(direct.bytes)).toBe(true);

		const withUsage = chatBody("gpt-fake", { stream: true, stream_options: { include_usage: true } });
		const directStream = await post("/v1/chat/completions", withUsage, undefined, harness.upstream.url);
		// A client that asks for usage gets the upstream's stream byte for byte.
		const asked = await post("/v1/chat/completions", withUsage, sessionKey);
		expect(asked.status).toBe(200);
		expect(asked.bytes.equals(directStream.bytes)).toBe(true);
		// One that does not: the proxy still asks (to meter), and drops the usage-only chunk.
		const streamed = await post("/v1/chat/completions", chatBody("gpt-fake", { stream: true }), sessionKey);
		expect(streamed.status).toBe(200);
		expect(streamed.headers.get("content-type")).toContain("text/event-stream");
		const withoutUsageChunk = directStream.bytes
			.toString()
			.split("\n\n")
			.filter((event) => !event.includes('"choices":[]'))
			.join("\n\n");
		expect(streamed.bytes.toString()).toBe(withoutUsageChunk);
		expect(streamed.bytes.toString()).toContain("data: [DONE]");

		const upstreamCall = harness.upstream.requests.findLast((entry) => entry.body.stream === true);
		expect(upstreamCall?.body.stream_options).toEqual({ include_usage: true });
		expect(upstreamCall?.headers.authorization).toBe("Bearer sk-upstream-openai");
		expect(JSON.stringify(upstreamCall?.headers)).not.toContain(sessionKey);
	});

	it("relays Anthropic messages byte for byte, streaming and not", async () => {
		for (const stream of [false, true]) {
			const body = messagesBody("claude-fake", stream ? { stream: true } : {});
			const proxied = await fetch(`${harness.proxy.url}/v1/messages`, {
				method: "POST",
				headers: {
					"content-type": "application/json",
					"x-api-key": sessionKey,
					"anthropic-version": "2023-06-01",
				},
				body: JSON.stringify(body),
			});
			const proxiedBytes = Buffer.from(await proxied.arrayBuffer());
			const upstreamCall = harness.upstream.requests.at(-1);
			const direct = await post("/v1/messages", body, undefined, harness.upstream.url);
			expect(proxied.status).toBe(200);
			expect(proxiedBytes.equals(direct.bytes)).toBe(true);
			expect(upstreamCall?.path).toBe("/v1/messages");
			expect(upstreamCall?.headers["x-api-key"]).toBe("sk-upstream-anthropic");
			expect(upstreamCall?.headers["anthropic-version"]).toBe("2023-06-01");
		}
	});

	it("lists the models the key may use", async () => {
		const limited = await harness.client.mintKey({
			organizationId: harness.organizationId,
			allowedModels: ["gpt-fake"],
		});
		const all = await fetch(`${harness.proxy.url}/v1/models`, {
			headers: { authorization: `Bearer ${sessionKey}` },
		});
		expect(
			((await all.json()) as { data: { id: string }[] }).data.map((model: { id: string }) => model.id),
		).toContain("claude-fake");
		const some = await fetch(`${harness.proxy.url}/v1/models`, {
			headers: { authorization: `Bearer ${limited.key}` },
		});
		expect(
			((await some.json()) as { data: { id: string }[] }).data.map((model: { id: string }) => model.id),
		).toEqual(["gpt-fake"]);
	});
});

describe("spend", () => {
	it("records usage of streamed and plain responses, priced per token kind, by key, session and organization", async () => {
		const minted = await harness.client.mintKey({
			organizationId: harness.organizationId,
			sessionId: harness.sessionId,
		});
		const { nextCursor: start } = await harness.client.spendSince({ cursor: 0, flush: true, limit: 5000 });
		await post("/v1/chat/completions", chatBody("gpt-fake"), minted.key);
		await post("/v1/chat/completions", chatBody("gpt-fake", { stream: true }), minted.key);
		await fetch(`${harness.proxy.url}/v1/messages`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-api-key": minted.key },
			body: JSON.stringify(messagesBody("claude-fake", { stream: true })),
		}).then((response) => response.arrayBuffer());
		await fetch(`${harness.proxy.url}/v1/messages`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-api-key": minted.key },
			body: JSON.stringify(messagesBody("claude-fake")),
		}).then((response) => response.arrayBuffer());
		expect(harness.proxy.spend.pendingCount).toBeGreaterThanOrEqual(4);

		const page = await harness.client.spendSince({ cursor: start, flush: true });
		const rows = page.entries.filter((entry) => entry.keyId === minted.virtualKey.id);
		expect(rows).toHaveLength(2);
		const openai = rows.find((row) => row.model === "gpt-fake");
		const anthropic = rows.find((row) => row.model === "claude-fake");
		// OpenAI: 1200 prompt tokens of which 200 cached, 345 output; $2 / $8 / $0.5 per 1M.
		expect(openai).toMatchObject({
			organizationId: harness.organizationId,
			sessionId: harness.sessionId,
			deployment: "openai:gpt-fake",
			requests: 2,
			inputTokens: 2000,
			cacheReadTokens: 400,
			outputTokens: 690,
			costNanoUsd: 2 * (1000 * 2 + 345 * 8 + 200 * 0.5) * 1000,
		});
		// Anthropic: 1000 input, 200 cache reads, 50 cache writes, 345 output; $3 / $15 / $0.3 / $3.75 per 1M.
		expect(anthropic).toMatchObject({
			requests: 2,
			inputTokens: 2000,
			cacheReadTokens: 400,
			cacheWriteTokens: 100,
			outputTokens: 2 * fakeUsage.anthropic.output_tokens,
			costNanoUsd: 2 * (1000 * 3 + 345 * 15 + 200 * 0.3 + 50 * 3.75) * 1000,
		});
		expect(anthropic?.costUsd).toBeCloseTo(0.016845, 9);
		expect(page.nextCursor).toBeGreaterThan(start);
		const after = await harness.client.spendSince({ cursor: page.nextCursor });
		expect(after.entries).toHaveLength(0);
		const bySession = await harness.client.spendSince({ cursor: 0, sessionId: harness.sessionId });
		expect(bySession.entries.every((entry) => entry.sessionId === harness.sessionId)).toBe(true);
	});

	it("refuses a key over its budget (429) and an organization over its monthly budget (402)", async () => {
		const capped = await harness.client.mintKey({
			organizationId: harness.organizationId,
			budgetUsd: 0.000001,
		});
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), capped.key)).status).toBe(200);
		const refused = await post("/v1/chat/completions", chatBody("gpt-fake"), capped.key);
		expect(refused.status).toBe(429);
		expect(json(refused.bytes).error).toMatchObject({
			type: "insufficient_quota",
			code: "key_budget_exceeded",
		});

		const orgKey = await harness.client.mintKey({ organizationId: harness.otherOrganizationId });
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), orgKey.key)).status).toBe(200);
		await harness.client.setOrganizationBudget({
			organizationId: harness.otherOrganizationId,
			monthlyBudgetUsd: 0.000001,
		});
		const overOrg = await waitFor(async () => {
			const response = await fetch(`${harness.proxy.url}/v1/messages`, {
				method: "POST",
				headers: { "content-type": "application/json", "x-api-key": orgKey.key },
				body: JSON.stringify(messagesBody("claude-fake")),
			});
			const body = await response.json();
			return response.status === 402 ? body : undefined;
		}, "the organization budget to apply");
		expect(overOrg).toMatchObject({ type: "error", error: { type: "billing_error" } });
		await harness.client.setOrganizationBudget({
			organizationId: harness.otherOrganizationId,
			monthlyBudgetUsd: null,
		});
		await waitFor(
			async () => (await post("/v1/chat/completions", chatBody("gpt-fake"), orgKey.key)).status === 200,
			"the budget to be lifted",
		);
	});
});

describe("keys", () => {
	it("refuses missing, unknown, expired and revoked keys in each vendor's format", async () => {
		const missing = await post("/v1/chat/completions", chatBody("gpt-fake"), undefined);
		expect(missing.status).toBe(401);
		expect(json(missing.bytes).error.code).toBe("missing_api_key");
		const unknown = await post("/v1/chat/completions", chatBody("gpt-fake"), "sk-prl-not-a-real-key");
		expect(unknown.status).toBe(401);
		expect(json(unknown.bytes)).toEqual({
			error: {
				message: "Invalid API key",
				type: "invalid_request_error",
				param: null,
				code: "invalid_api_key",
			},
		});
		const anthropic = await fetch(`${harness.proxy.url}/v1/messages`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-api-key": "garbage" },
			body: JSON.stringify(messagesBody("claude-fake")),
		});
		expect(anthropic.status).toBe(401);
		expect(await anthropic.json()).toEqual({
			type: "error",
			error: { type: "authentication_error", message: "Invalid API key" },
		});

		const shortLived = await harness.client.mintKey({
			organizationId: harness.organizationId,
			ttlSeconds: 1,
		});
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), shortLived.key)).status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const expired = await post("/v1/chat/completions", chatBody("gpt-fake"), shortLived.key);
		expect(expired.status).toBe(401);
		expect(json(expired.bytes).error.code).toBe("api_key_expired");
	});

	it("drops a revoked key on every proxy instance at once", async () => {
		const second = await harness.startProxy({ keyCacheTtlMs: 3_600_000 });
		const minted = await harness.client.mintKey({
			organizationId: harness.organizationId,
			sessionId: harness.sessionId,
		});
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), minted.key)).status).toBe(200);
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), minted.key, second.url)).status).toBe(
			200,
		);
		const revoked = await harness.client.revokeKeys({
			organizationId: harness.organizationId,
			keyId: minted.virtualKey.id,
		});
		expect(revoked.revoked.map((key) => key.id)).toEqual([minted.virtualKey.id]);
		for (const base of [harness.proxy.url, second.url]) {
			const refused = await waitFor(async () => {
				const result = await post("/v1/chat/completions", chatBody("gpt-fake"), minted.key, base);
				return result.status === 401 ? result : undefined;
			}, "the revocation to reach every instance");
			expect(json(refused.bytes).error.code).toBe("api_key_revoked");
		}
		// Revoking by session revokes every key of the session, and another organization cannot.
		const sessionKeyToo = await harness.client.mintKey({
			organizationId: harness.organizationId,
			sessionId: harness.sessionId,
		});
		const foreign = await harness.client.revokeKeys({
			organizationId: harness.otherOrganizationId,
			sessionId: harness.sessionId,
		});
		expect(foreign.revoked).toHaveLength(0);
		await expect(
			harness.client.revokeKeys({
				organizationId: harness.otherOrganizationId,
				keyId: sessionKeyToo.virtualKey.id,
			}),
		).rejects.toMatchObject({ status: 404 });
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), sessionKeyToo.key)).status).toBe(200);
		const bySession = await harness.client.revokeKeys({
			organizationId: harness.organizationId,
			sessionId: harness.sessionId,
		});
		expect(bySession.revoked.map((key) => key.id)).toContain(sessionKeyToo.virtualKey.id);
		expect((await post("/v1/chat/completions", chatBody("gpt-fake"), sessionKeyToo.key)).status).toBe(401);
		sessionKey = (
			await harness.client.mintKey({ organizationId: harness.organizationId, sessionId: harness.sessionId })
		).key;
	});

	it("refuses models the key may not use, unknown models and the other protocol's models", async () => {
		const limited = await harness.client.mintKey({
			organizationId: harness.organizationId,
			allowedModels: ["gpt-fake"],
		});
		const forbidden = await fetch(`${harness.proxy.url}/v1/messages`, {
			method: "POST",
			headers: { "content-type": "application/json", authorization: `Bearer ${limited.key}` },
			body: JSON.stringify(messagesBody("claude-fake")),
		});
		expect(forbidden.status).toBe(403);
		expect(((await forbidden.json()) as { error: { type: string } }).error.type).toBe("permission_error");
		const unknown = await post("/v1/chat/completions", chatBody("no-such-model"), sessionKey);
		expect(unknown.status).toBe(404);
		expect(json(unknown.bytes).error.code).toBe("model_not_found");
		const mismatch = await post("/v1/messages", messagesBody("gpt-fake"), sessionKey);
		expect(mismatch.status).toBe(400);
		expect(json(mismatch.bytes).error.message).toContain("/v1/chat/completions");
	});
});

describe("routing", () => {
	it("falls back to the next deployment when the first answers 500, 429 or times out", async () => {
		const before = harness.upstream.requests.length;
		const fallback = await post("/v1/chat/completions", chatBody("fallback-model"), sessionKey);
		expect(fallback.status).toBe(200);
		expect(harness.upstream.requests.slice(before).map((entry) => entry.body.model)).toEqual([
			"error-500",
			"gpt-fake",
		]);
		expect(json(fallback.bytes).model).toBe("gpt-fake");

		const timedOut = await post(
			"/v1/chat/completions",
			chatBody("timeout-model", { stream: true }),
			sessionKey,
		);
		expect(timedOut.status).toBe(200);
		expect(timedOut.bytes.toString()).toContain("[DONE]");

		expect((await post("/v1/chat/completions", chatBody("limited-model"), sessionKey)).status).toBe(200);
		const limited = await post("/v1/chat/completions", chatBody("limited-only-model"), sessionKey);
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after")).toBe("7");
		expect(json(limited.bytes).error.message).toBe("slow down");

		const down = await post("/v1/chat/completions", chatBody("down-model"), sessionKey);
		expect(down.status).toBe(502);
		expect(json(down.bytes).error).toMatchObject({ type: "server_error", code: "upstream_failed" });

		await harness.proxy.flush();
		const spend = await harness.client.spendSince({ cursor: 0, limit: 5000 });
		expect(
			spend.entries.some((entry) => entry.model === "fallback-model" && entry.deployment === "secondary"),
		).toBe(true);
		const metrics = await (await fetch(`${harness.proxy.url}/metrics`)).text();
		expect(metrics).toContain('llm_proxy_upstream_errors_total{deployment="primary",reason="status_5xx"} 1');
		expect(metrics).toContain('llm_proxy_upstream_errors_total{deployment="hanging",reason="timeout"} 1');
		expect(metrics).toContain('llm_proxy_upstream_errors_total{deployment="limited",reason="status_429"} 1');
		expect(metrics).toMatch(
			/llm_proxy_tokens_total\{model="gpt-fake",deployment="openai:gpt-fake",kind="output"\} \d+/,
		);
		expect(metrics).toContain("llm_proxy_request_duration_seconds_bucket");
	});

	it("aborts the upstream request when the client disconnects mid-stream", async () => {
		const aborted = harness.upstream.abortedStreams;
		const url = new URL(`${harness.proxy.url}/v1/chat/completions`);
		await new Promise<void>((resolve, reject) => {
			const request = httpRequest(
				url,
				{
					method: "POST",
					headers: { "content-type": "application/json", authorization: `Bearer ${sessionKey}` },
				},
				(response) => {
					expect(response.statusCode).toBe(200);
					response.once("data", () => {
						request.destroy();
						resolve();
					});
				},
			);
			request.on("error", (error) => {
				if (!request.destroyed) reject(error);
			});
			request.end(JSON.stringify(chatBody("slow-model", { stream: true })));
		});
		await waitFor(() => harness.upstream.abortedStreams > aborted, "the upstream stream to be aborted");
		// The proxy's handler finished too (it counts the request once the relay settles).
		await waitFor(
			async () =>
				(await (await fetch(`${harness.proxy.url}/metrics`)).text()).includes(
					'llm_proxy_requests_total{endpoint="/v1/chat/completions",model="slow-model",status="200"} 1',
				),
			"the proxied request to settle",
		);
	});
});

describe("bad input", () => {
	it("answers malformed, incomplete and oversized bodies with clear errors", async () => {
		const malformed = await post("/v1/chat/completions", "{not json", sessionKey);
		expect(malformed.status).toBe(400);
		expect(json(malformed.bytes).error.code).toBe("invalid_json");
		const noModel = await post("/v1/chat/completions", { messages: [] }, sessionKey);
		expect(noModel.status).toBe(400);
		expect(json(noModel.bytes).error.message).toContain("model");
		const array = await post("/v1/chat/completions", "[1,2]", sessionKey);
		expect(array.status).toBe(400);
		const huge = await post(
			"/v1/messages",
			messagesBody("claude-fake", { pad: "x".repeat(300 * 1024) }),
			sessionKey,
		);
		expect(huge.status).toBe(413);
		expect(json(huge.bytes).error.type).toBe("request_too_large");
		const route = await post("/v1/completions", chatBody("gpt-fake"), sessionKey);
		expect(route.status).toBe(404);
	});
});

describe("internal API", () => {
	it("needs a service token signed with the admin secret", async () => {
		const call = (token?: string) =>
			fetch(`${harness.proxy.url}/internal/keys`, {
				method: "POST",
				headers: {
					"content-type": "application/json",
					...(token ? { authorization: `Bearer ${token}` } : {}),
				},
				body: JSON.stringify({ organizationId: harness.organizationId }),
			});
		expect((await call()).status).toBe(401);
		expect((await call(await signServiceToken({ service: "x" }, "w".repeat(48)))).status).toBe(401);
		expect(
			(await call(await signServiceToken({ service: "x", ttlSeconds: -5 }, harness.adminSecret))).status,
		).toBe(401);
		const userToken = await signUserToken(
			{ userId: "u", organizationId: harness.organizationId },
			harness.adminSecret,
		);
		expect((await call(userToken)).status).toBe(403);
		expect((await call(await signServiceToken({ service: "gateway" }, harness.adminSecret))).status).toBe(
			201,
		);
	});

	it("validates what it is given and keeps organizations apart", async () => {
		await expect(harness.client.mintKey({ organizationId: "missing-org" })).rejects.toMatchObject({
			status: 404,
		});
		await expect(
			harness.client.mintKey({ organizationId: harness.otherOrganizationId, sessionId: harness.sessionId }),
		).rejects.toMatchObject({ status: 404 });
		await expect(
			harness.client.mintKey({ organizationId: harness.organizationId, ttlSeconds: -1 }),
		).rejects.toMatchObject({
			status: 400,
		});
		await expect(harness.client.revokeKeys({ organizationId: harness.organizationId })).rejects.toMatchObject(
			{ status: 400 },
		);
		const minted = await harness.client.mintKey({
			organizationId: harness.organizationId,
			name: "ci",
			budgetUsd: 5,
		});
		expect(minted.key).toMatch(/^sk-prl-/);
		expect(minted.virtualKey).toMatchObject({ name: "ci", budgetUsd: 5, keyPrefix: minted.key.slice(0, 13) });
		expect(JSON.stringify(minted.virtualKey)).not.toContain(minted.key);
		const page = await harness.client.spendSince({ cursor: 0, organizationId: harness.otherOrganizationId });
		expect(page.entries.every((entry) => entry.organizationId === harness.otherOrganizationId)).toBe(true);
	});
});
