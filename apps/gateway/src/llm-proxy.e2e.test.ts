import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answered, createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

describe("OpenCode through the LLM proxy", () => {
	it("runs a scripted turn with the session's virtual key, meters it for the session, and swaps the key across pause and resume", async () => {
		const { session, token, http, ...client } = await platform.startSession({ title: "metered" });
		await client.stream.sendPrompt("Please improve the demo app");
		await waitFor(() => answered(client.events), 150_000, "the answer");
		expect(platform.modelRequests.length).toBeGreaterThan(0);

		// Every model request went through the proxy: its ledger holds them, under this session.
		const spend = await waitFor(
			async () => {
				const page = await platform.llmProxyClient.spendSince({
					cursor: 0,
					sessionId: session.id,
					flush: true,
				});
				const requests = page.entries.reduce((sum, entry) => sum + entry.requests, 0);
				return requests >= platform.modelRequests.length ? page : undefined;
			},
			20_000,
			"the session's spend",
		);
		for (const entry of spend.entries) {
			expect(entry).toMatchObject({
				organizationId: platform.organizationId,
				sessionId: session.id,
				model: "demo",
				deployment: "scripted",
			});
			expect(entry.inputTokens + entry.outputTokens).toBeGreaterThan(0);
		}
		const metrics = await (await fetch(`${platform.llmProxy.url}/metrics`)).text();
		expect(metrics).toMatch(
			/llm_proxy_requests_total\{endpoint="\/v1\/chat\/completions",model="demo",status="200"\} [1-9]/,
		);

		// Pausing revokes the key; the resumed sandbox gets a new one and the agent keeps working.
		const firstKeys = new Set(spend.entries.map((entry) => entry.keyId));
		expect(firstKeys.size).toBe(1);
		await http.pause(session.id);
		const afterPause = await platform.llmProxyClient.revokeKeys({
			organizationId: platform.organizationId,
			sessionId: session.id,
		});
		expect(afterPause.revoked).toEqual([]);
		await http.resume(session.id);
		const resumed = platform.connect(session.id, token, 0);
		await waitFor(
			() =>
				resumed.stream.state === "open" &&
				resumed.events.at(-1)?.type === "session.status" &&
				["running", "idle"].includes((resumed.events.at(-1) as { status?: string }).status ?? ""),
			150_000,
			"running again",
		);
		const before = resumed.events.length;
		await resumed.stream.sendPrompt("[script:echo] hello again");
		await waitFor(() => answered(resumed.events.slice(before)), 150_000, "the answer after resuming");
		const later = await waitFor(
			async () => {
				const page = await platform.llmProxyClient.spendSince({
					cursor: spend.nextCursor,
					sessionId: session.id,
					flush: true,
				});
				return page.entries.length > 0 ? page : undefined;
			},
			20_000,
			"spend after resuming",
		);
		expect(later.entries.every((entry) => entry.keyId && !firstKeys.has(entry.keyId))).toBe(true);

		// Ending the session revokes its key too.
		await http.terminate(session.id);
		const again = await platform.llmProxyClient.revokeKeys({
			organizationId: platform.organizationId,
			sessionId: session.id,
		});
		expect(again.revoked).toEqual([]);
	}, 300_000);
});
