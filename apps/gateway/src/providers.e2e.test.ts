import { orgs, repos, sandboxes, sessions, warmPool } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageHelpersStatus } from "./session/sandbox-runtime";
import { answered, createTestPlatform, statusSeen, type TestPlatform, waitFor } from "./testing/platform";

/**
 * Session boot through the provider registry: the organization's override picks a remote (E2B)
 * provider, whose sandbox runs OpenCode and sandbox-mcp from its image; the warm pool of the
 * default (local) provider hands new sessions a pre-started sandbox and is refilled.
 */
let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform({ e2b: true, warmPoolSize: 1 });
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

async function sandboxOf(sessionId: string) {
	const session = await sessions.getSession(platform.services, {
		organizationId: platform.organizationId,
		sessionId,
	});
	if (!session.sandboxId) throw new Error("the session has no sandbox");
	const sandbox = await sandboxes.getSandbox(platform.services, {
		organizationId: platform.organizationId,
		sandboxId: session.sandboxId,
	});
	return { session, sandbox };
}

describe("sandbox providers in the gateway", () => {
	it("claims a warm local sandbox for a new session and refills the pool", async () => {
		const poolKey = platform.gateway.warmPool.poolKey("local");
		const ready = await waitFor(
			async () => {
				const stats = await warmPool.warmPoolStats(platform.services, poolKey);
				return stats.ready === 1 ? stats : undefined;
			},
			60_000,
			"a warm sandbox",
		);
		expect(ready).toMatchObject({ ready: 1, warming: 0 });
		const [warm] = platform.provider.sandboxMetas().filter((meta) => meta.sessionId === null);
		expect(warm).toBeDefined();

		const { session, http, ...client } = await platform.startSession({ title: "warm" });
		expect(
			client.events.some(
				(event) =>
					event.type === "session.status" && event.message === "Cloning the repository into a warm sandbox",
			),
		).toBe(true);
		const { sandbox } = await sandboxOf(session.id);
		expect(sandbox).toMatchObject({ provider: "local", providerSandboxId: warm?.sandboxId });

		// The claimed sandbox holds the repository and runs the agent; a turn completes.
		await client.stream.sendPrompt("Please improve the demo app");
		await waitFor(() => answered(client.events), 150_000, "the answer");

		// The pool is topped up again in the background.
		await waitFor(
			async () => (await warmPool.warmPoolStats(platform.services, poolKey)).ready === 1,
			60_000,
			"the refill",
		);
		expect(await warmPool.warmPoolStats(platform.services, poolKey)).toMatchObject({ claimed: 1 });
		await http.terminate(session.id);
	}, 300_000);

	it("runs a session on E2B when the organization picks it, with OpenCode from the image", async () => {
		const e2b = platform.e2b;
		if (!e2b) throw new Error("the platform has no E2B fake");
		await orgs.setSandboxProviderOverride(platform.services, {
			organizationId: platform.organizationId,
			provider: "e2b",
		});
		try {
			// Remote sandboxes clone by URL (the fake's machine shares this host's files, so file:// works).
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
			const { session, token, http, ...client } = await platform.startSession({
				title: "on e2b",
				repoId: byUrl.id,
			});
			const booted = await sandboxOf(session.id);
			expect(booted.session.sandboxProvider).toBe("e2b");
			expect(booted.sandbox.provider).toBe("e2b");
			const record = e2b.machine.sandboxes.get(booted.sandbox.providerSandboxId);
			expect(record).toMatchObject({ state: "running", metadata: { sessionId: session.id } });

			// The agent works in the remote sandbox: model calls reach the LLM proxy by the URL given
			// to remote sandboxes, and platform tools call back to the gateway.
			const before = platform.modelRequests.length;
			await client.stream.sendPrompt("Please improve the demo app");
			await waitFor(() => answered(client.events), 150_000, "the answer from e2b");
			expect(platform.modelRequests.length).toBeGreaterThan(before);
			expect(e2b.requests.some((request) => request.startsWith("POST /v2/sandboxes"))).toBe(true);

			// Pause uses E2B's native pause; resume brings the same sandbox back with its files.
			await http.pause(session.id);
			expect(e2b.machine.sandboxes.get(booted.sandbox.providerSandboxId)?.state).toBe("paused");
			await http.resume(session.id);
			const resumed = platform.connect(session.id, token, 0);
			await waitFor(
				() =>
					resumed.stream.state === "open" &&
					resumed.events.at(-1)?.type === "session.status" &&
					["running", "idle"].includes((resumed.events.at(-1) as { status?: string }).status ?? ""),
				150_000,
				"running again on e2b",
			);
			const after = await sandboxOf(session.id);
			expect(after.sandbox.providerSandboxId).toBe(booted.sandbox.providerSandboxId);
			expect(e2b.machine.sandboxes.get(after.sandbox.providerSandboxId)?.state).toBe("running");

			await http.terminate(session.id);
			expect(e2b.machine.sandboxes.get(after.sandbox.providerSandboxId)?.state).toBe("killed");
			// Local sandboxes were not used for this session.
			expect(platform.provider.sandboxMetas().some((meta) => meta.sessionId === session.id)).toBe(false);

			// A repository added as a path on the platform's machine cannot be cloned remotely: said clearly.
			const { session: pathSession } = await http.createSession({ repoId: platform.repoId, title: "path" });
			const pathClient = platform.connect(pathSession.id, await platform.userToken(pathSession.id));
			const error = await waitFor(
				() => pathClient.events.find((event) => event.type === "error"),
				60_000,
				"the path error",
			);
			expect(error).toMatchObject({ code: "REPO_NOT_REACHABLE" });
			expect((error as { message: string }).message).toMatch(/e2b sandboxes cannot clone it/);
		} finally {
			await orgs.setSandboxProviderOverride(platform.services, {
				organizationId: platform.organizationId,
				provider: null,
			});
		}
	}, 300_000);

	it("tells whether a remote image carries this gateway's helpers", async () => {
		const e2b = platform.providers.get("e2b");
		const sandbox = await e2b.createSandbox({ sessionId: null, organizationId: null });
		try {
			expect(await imageHelpersStatus(e2b, sandbox.sandboxId, platform.helpersDigest)).toBe("match");
			expect(await imageHelpersStatus(e2b, sandbox.sandboxId, "0".repeat(64))).toBe("mismatch");
			// The local provider has no image file: a "remote" check there finds no digest.
			const local = await platform.provider.createSandbox({ sessionId: null, organizationId: null });
			expect(await imageHelpersStatus(platform.provider, local.sandboxId, platform.helpersDigest)).toBe(
				"missing",
			);
			await platform.provider.terminate(local.sandboxId);
		} finally {
			await e2b.terminate(sandbox.sandboxId);
		}
	});

	it("fails the session with the missing settings when the organization's provider is not configured", async () => {
		await orgs.setSandboxProviderOverride(platform.services, {
			organizationId: platform.organizationId,
			provider: "modal",
		});
		try {
			const http = await platform.http();
			const { session } = await http.createSession({ repoId: platform.repoId, title: "no modal" });
			const client = platform.connect(session.id, await platform.userToken(session.id));
			const error = await waitFor(
				() => client.events.find((event) => event.type === "error"),
				60_000,
				"the boot error",
			);
			expect(error).toMatchObject({ code: "SANDBOX_PROVIDER_ERROR" });
			expect((error as { message: string }).message).toMatch(
				/modal provider is not configured.*MODAL_TOKEN_ID/,
			);
			await waitFor(() => statusSeen(client.events, "failed"), 30_000, "failed status");
			const failed = await sessions.getSession(platform.services, {
				organizationId: platform.organizationId,
				sessionId: session.id,
			});
			expect(failed.status).toBe("failed");
		} finally {
			await orgs.setSandboxProviderOverride(platform.services, {
				organizationId: platform.organizationId,
				provider: null,
			});
		}
	}, 120_000);
});
