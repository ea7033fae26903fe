import { createSessionSandboxClient } from "@proliferate/gateway-clients";
import { repoConfig, sessions } from "@proliferate/services";
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

async function runScript(kind: "setup" | "automation", script: string) {
	const { session, ...client } = await platform.startSession({ title: script, kind });
	await client.stream.sendPrompt(`[script:${script}] go`);
	await waitFor(
		() =>
			client.events.some(
				(event) =>
					event.type === "message.completed" &&
					event.finishReason === "stop" &&
					/finished|recorded/.test(event.text ?? ""),
			),
		150_000,
		`${script} to finish`,
	);
	return { sessionId: session.id, events: client.events };
}

const toolResults = (events: SessionEvent[]) =>
	events.filter(
		(event): event is Extract<SessionEvent, { type: "tool.completed" }> => event.type === "tool.completed",
	);

describe("platform tools called by the agent", () => {
	it("verify stores artifacts, request_env_variables surfaces an event, automation_complete records the outcome, invalid input is an error the agent sees", async () => {
		const { sessionId, events } = await runScript("automation", "tools-automation");
		const results = toolResults(events);
		const verify = results.find((event) => event.tool === "proliferate_verify");
		expect(verify).toMatchObject({ status: "completed" });
		expect(verify?.output).toContain("Stored 2 artifact(s)");
		const artifactEvents = events.filter((event) => event.type === "artifact.created");
		expect(artifactEvents.map((event) => (event as { name: string }).name).sort()).toEqual([
			"screenshot.png",
			"test-report.txt",
		]);
		const screenshot = artifactEvents.find(
			(event) => (event as { name: string }).name === "screenshot.png",
		) as { url: string; contentType: string };
		expect(screenshot.contentType).toBe("image/png");
		const download = await fetch(`${platform.gateway.url}${screenshot.url}`, {
			headers: { authorization: `Bearer ${await platform.userToken()}` },
		});
		expect(download.status).toBe(200);
		expect(
			Buffer.from(await download.arrayBuffer())
				.subarray(1, 4)
				.toString(),
		).toBe("PNG");
		expect(events.find((event) => event.type === "env.requested")).toMatchObject({
			keys: [{ key: "API_TOKEN", type: "secret" }],
		});
		// save_service_commands is not offered to automation sessions.
		const refused = results.find((event) =>
			(event.output ?? "").includes("unavailable tool 'proliferate_save_service_commands'"),
		);
		expect(refused).toBeDefined();
		const complete = results.find((event) => event.tool === "proliferate_automation_complete");
		expect(complete?.output).toContain("Outcome recorded: succeeded");
		const outcome = await sessions.getOutcome(platform.services, {
			organizationId: platform.organizationId,
			sessionId,
		});
		expect(outcome).toMatchObject({
			outcome: "succeeded",
			summaryMarkdown: "Verified the app; evidence attached.",
			runId: "run-1",
		});
	}, 300_000);

	it("setup tools persist service commands and env file specs for the repository and save a snapshot", async () => {
		const { sessionId, events } = await runScript("setup", "tools-setup");
		const results = toolResults(events);
		const envFileCalls = results.filter((event) => event.tool === "proliferate_save_env_files");
		expect(`${envFileCalls[0]?.output ?? ""}${envFileCalls[0]?.error ?? ""}`).toContain(
			"Invalid arguments for save_env_files",
		);
		expect(envFileCalls[1]?.output).toContain("Saved 1 env file spec(s)");
		for (const tool of ["proliferate_save_service_commands", "proliferate_save_snapshot"]) {
			expect(results.find((event) => event.tool === tool)).toMatchObject({ status: "completed" });
		}
		const config = await repoConfig.getRepoConfig(platform.services, {
			organizationId: platform.organizationId,
			repoId: platform.repoId,
		});
		expect(config.serviceCommands).toEqual([{ name: "web", command: "npm start", cwd: "." }]);
		expect(config.envFiles).toEqual([{ path: ".env.local", keys: [{ key: "API_TOKEN", required: true }] }]);
		const session = await sessions.getSession(platform.services, {
			organizationId: platform.organizationId,
			sessionId,
		});
		expect(session.snapshotId).toMatch(/^[0-9a-f]{64}$/);
		// The live sandbox's sandbox-mcp lists the saved command at once (setup sessions do not start it).
		const sandbox = createSessionSandboxClient({
			gatewayUrl: platform.gateway.url,
			sessionId,
			auth: { type: "token", token: await platform.userToken() },
		});
		expect(await sandbox.listServices()).toEqual([
			expect.objectContaining({ name: "web", command: "npm start", saved: true, status: "not_started" }),
		]);
	}, 300_000);
});
