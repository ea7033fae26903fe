import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

const answered = (events: SessionEvent[]) =>
	events.some((event) => event.type === "message.completed" && event.finishReason === "stop") &&
	events.at(-1)?.type === "session.status" &&
	(events.at(-1) as { status?: string }).status === "idle";

describe("OpenCode through the LLM proxy", () => {
	it("runs a scripted turn with the session's virtual key, meters it for the session, and revokes the key at the end", async () => {
		const http = await platform.http();
		const { session } = await http.createSession({ repoId: platform.repoId, title: "metered" });
		const token = await platform.userToken(session.id);
		const client = platform.connect(session.id, token);
		await waitFor(
			() => client.events.some((event) => event.type === "session.status" && event.status === "running"),
			150_000,
			"running",
		);
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

		// The key was limited to the session's model and organization; ending the session revokes it.
		await http.terminate(session.id);
		const again = await platform.llmProxyClient.revokeKeys({
			organizationId: platform.organizationId,
			sessionId: session.id,
		});
		expect(again.revoked).toEqual([]);
	}, 300_000);
});
