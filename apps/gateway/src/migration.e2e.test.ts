import { sandboxes, sessions } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

describe("migration before the sandbox expires", () => {
	it("moves the session to a fresh sandbox with its files; clients see status events, not errors", async () => {
		const gateway = await platform.startGateway(0, "migrating", { sandboxLifetimeSeconds: 20 });
		const { session, http, stream, events } = await platform.startSession({
			title: "migration",
			gateway,
		});
		const scope = { organizationId: platform.organizationId, sessionId: session.id };
		const firstSandbox = (await sessions.getSession(platform.services, scope)).sandboxId;
		await stream.runCommand("echo 'survives the move' > moved.txt");
		const migrating = await waitFor(
			() => events.find((event) => event.type === "session.status" && event.status === "migrating"),
			60_000,
			"migration",
		);
		await waitFor(
			() =>
				events.some(
					(event) =>
						event.seq > migrating.seq && event.type === "session.status" && event.status === "running",
				),
			120_000,
			"running again",
		);
		const after = await sessions.getSession(platform.services, scope);
		expect(after.status).toBe("running");
		expect(after.sandboxId).not.toBe(firstSandbox);
		if (firstSandbox) {
			expect(
				(
					await sandboxes.getSandbox(platform.services, {
						organizationId: platform.organizationId,
						sandboxId: firstSandbox,
					})
				).state,
			).toBe("terminated");
		}
		expect((await stream.runCommand("cat moved.txt")).stdout).toBe("survives the move\n");
		expect(events.filter((event) => event.type === "error")).toEqual([]);
		expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
		stream.close();
		await http.terminate(session.id);
	}, 300_000);
});
