import { orgs, repos, sandboxes, sessions } from "@proliferate/services";
import type { SessionEventOf } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

/** Remote providers cannot push stops: the gateway watches the live sandbox with `status()`. */
let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform({ e2b: true });
}, 180_000);

afterAll(async () => {
	await platform?.close();
});

describe("remote sandbox stops", () => {
	it("reports an E2B sandbox killed outside the platform as a stop of the session", async () => {
		const e2b = platform.e2b;
		if (!e2b) throw new Error("the platform has no E2B fake");
		await orgs.setSandboxProviderOverride(platform.services, {
			organizationId: platform.organizationId,
			provider: "e2b",
		});
		const local = await repos.getRepo(platform.services, {
			organizationId: platform.organizationId,
			repoId: platform.repoId,
		});
		const byUrl = await repos.createRepo(platform.services, {
			organizationId: platform.organizationId,
			name: "demo-app-by-url",
			url: `file://${local.url}`,
			sourceKind: "git_url",
		});
		const started = await platform.startSession({ title: "remote kill", repoId: byUrl.id });
		const scope = { organizationId: platform.organizationId, sessionId: started.session.id };
		const session = await sessions.getSession(platform.services, scope);
		const record = await sandboxes.getSandbox(platform.services, {
			organizationId: platform.organizationId,
			sandboxId: session.sandboxId ?? "",
		});
		expect(record.provider).toBe("e2b");
		e2b.machine.kill(record.providerSandboxId);
		const status = await waitFor(
			() =>
				started.events.find(
					(event): event is SessionEventOf<"session.status"> =>
						event.type === "session.status" && event.stopReason !== undefined,
				),
			60_000,
			"the stop",
		);
		expect(status).toMatchObject({ status: "failed", stopReason: { kind: "killed" } });
		const after = await sessions.getSession(platform.services, scope);
		expect(after.status).toBe("failed");
		expect(after.statusReason).toBe(status.stopReason?.message);
		await expect(started.stream.sendPrompt("hello?")).rejects.toMatchObject({ code: "SESSION_NOT_RUNNING" });
	}, 300_000);
});
