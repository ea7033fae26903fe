import { sessions } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

describe("idle sessions", () => {
	it("pauses a session without clients or running work, and resumes it with its workspace", async () => {
		const gateway = await platform.startGateway(0, "idle", { idleTimeoutMs: 1500 });
		const { session, token, http, stream, events } = await platform.startSession({ title: "idle", gateway });
		await stream.runCommand("echo 'kept across the pause' > notes.txt");
		await stream.sendPrompt("[script:echo] hello");
		await waitFor(
			() => events.some((event) => event.type === "message.completed" && event.text === "You said: hello"),
			60_000,
			"answer",
		);
		// While a client watches, nothing pauses.
		await new Promise((resolve) => setTimeout(resolve, 2500));
		const scope = { organizationId: platform.organizationId, sessionId: session.id };
		expect((await sessions.getSession(platform.services, scope)).status).toBe("running");
		stream.close();
		await waitFor(
			async () => (await sessions.getSession(platform.services, scope)).status === "paused",
			60_000,
			"idle pause",
		);
		const paused = await sessions.getSession(platform.services, scope);
		expect(paused.statusReason).toMatch(/without activity/);
		expect(paused.snapshotId).toMatch(/^[0-9a-f]{64}$/);
		expect(gateway.hubs.get(session.id)).toBeUndefined();
		await http.resume(session.id);
		const result = await platform
			.connect(session.id, token, 0, { gateway })
			.stream.runCommand("cat notes.txt");
		expect(result.stdout).toBe("kept across the pause\n");
		await http.terminate(session.id);
	}, 300_000);
});
