import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;
let sessionId: string;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

const isIdleAfterAnswer = (events: SessionEvent[], fromSeq: number) =>
	events.some(
		(event) => event.seq > fromSeq && event.type === "message.completed" && event.finishReason === "stop",
	) &&
	events.at(-1)?.type === "session.status" &&
	(events.at(-1) as { status?: string }).status === "idle";

function expectContiguous(events: SessionEvent[], from = 1) {
	expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + from));
}

describe("gateway end to end (real sandbox, OpenCode and scripted model)", () => {
	it("creates a session over HTTP, streams the same ordered events to two clients, and shows the change in the diff", async () => {
		const http = await platform.http();
		const { session } = await http.createSession({ repoId: platform.repoId, title: "demo" });
		sessionId = session.id;
		const token = await platform.userToken(sessionId);
		const first = platform.connect(sessionId, token);
		const second = platform.connect(sessionId, token);
		await waitFor(
			() => first.events.some((event) => event.type === "session.status" && event.status === "running"),
			150_000,
			"running",
		);
		const { messageId } = await first.stream.sendPrompt("Please improve the demo app");
		expect(messageId).toMatch(/^usr_/);
		await waitFor(
			() => isIdleAfterAnswer(first.events, 0) && isIdleAfterAnswer(second.events, 0),
			150_000,
			"the answer",
		);
		await waitFor(() => second.events.length === first.events.length, 5000, "second client to catch up");
		expect(second.events).toEqual(first.events);
		expectContiguous(first.events);
		const types = new Set(first.events.map((event) => event.type));
		for (const type of [
			"session.status",
			"message.started",
			"message.delta",
			"tool.started",
			"tool.completed",
			"file.changed",
			"message.completed",
		]) {
			expect(types).toContain(type);
		}
		const userMessage = first.events.find(
			(event) => event.type === "message.started" && event.role === "user",
		);
		expect(userMessage).toMatchObject({
			text: "Please improve the demo app",
			source: "web",
			senderId: platform.userId,
		});
		const diff = await first.stream.git.diff();
		expect(diff.diff).toContain("+export function shout(name)");
		expect(diff.files.map((file) => file.path).sort()).toEqual(["src/greet.js", "test/greet.test.js"]);
		const status = await http.getStatus(sessionId);
		expect(status).toMatchObject({ status: "running", runtimeReady: true, lastSeq: first.events.length });
	}, 300_000);

	it("commits on a branch, pushes it and opens a pull request through the organization's GitHub connection", async () => {
		const token = await platform.userToken(sessionId);
		const client = platform.connect(sessionId, token, 0);
		await waitFor(() => client.stream.state === "open", 10_000, "client open");
		await expect(client.stream.git.createPullRequest({ title: "Add shout" })).rejects.toMatchObject({
			code: "GIT_INVALID_INPUT",
		});
		// Give the sandbox's clone a remote it can reach (the host path it was cloned from is not visible inside).
		const remote = await client.stream.runCommand(
			"git init --quiet --bare ../remote.git && git remote set-url origin ../remote.git && git push --quiet origin HEAD:main && echo ok",
		);
		expect(remote.stdout.trim()).toBe("ok");
		await client.stream.git.createBranch("feature/shout");
		await client.stream.git.commit("Add shout", {});
		const pull = (await client.stream.git.createPullRequest({
			title: "Add shout",
			body: "Made by the agent",
		})) as {
			url: string;
			existing: boolean;
		};
		expect(pull).toMatchObject({ url: "https://github.com/ada/demo-app/pull/1", existing: false });
		expect(platform.github.pulls).toMatchObject([
			{
				repo: "ada/demo-app",
				head: "feature/shout",
				base: "main",
				title: "Add shout",
				body: "Made by the agent",
			},
		]);
		const pushed = await client.stream.runCommand(
			"git --git-dir=../remote.git log --format=%s -1 feature/shout",
		);
		expect(pushed.stdout.trim()).toBe("Add shout");
		await waitFor(
			() =>
				client.events.some(
					(event) =>
						event.type === "git.result" &&
						event.action === "create_pr" &&
						event.success &&
						event.prUrl === pull.url,
				),
			10_000,
			"the pull request's git result",
		);
		const again = (await client.stream.git.createPullRequest({ title: "Again" })) as { existing: boolean };
		expect(again.existing).toBe(true);
		expect(platform.github.pulls).toHaveLength(1);
	}, 120_000);

	it("serves the dev server the agent started through the port proxy and revocable public preview links", async () => {
		const http = await platform.http();
		const link = await http.createPreviewLink(sessionId, 3000);
		expect(link.url).toMatch(/\/preview\/[A-Za-z0-9_-]{32}\/$/);
		const page = await fetch(`${link.url}?name=Ada`);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain("Hello, Ada!");
		const token = await platform.userToken(sessionId);
		const direct = await fetch(
			`${platform.gateway.url}/sessions/${sessionId}/ports/3000/?token=${token}&name=Bob`,
		);
		expect(await direct.text()).toContain("Hello, Bob!");
		const { signUserToken } = await import("@proliferate/shared/auth");
		const outsider = await signUserToken(
			{ userId: platform.userId, organizationId: platform.otherOrganizationId },
			platform.secrets.userSecret,
		);
		expect(
			(await fetch(`${platform.gateway.url}/sessions/${sessionId}/ports/3000/?token=${outsider}`)).status,
		).toBe(404);
		expect((await fetch(`${platform.gateway.url}/sessions/${sessionId}/ports/3000/`)).status).toBe(401);
		const unused = await fetch(`${platform.gateway.url}/sessions/${sessionId}/ports/3999/?token=${token}`);
		expect(unused.status).toBe(502);
		expect(await http.revokePreviewLinks(sessionId, link.token)).toEqual({ revoked: 1 });
		expect((await fetch(link.url)).status).toBe(404);
		expect((await fetch(`${platform.gateway.url}/preview/not-a-real-token/`)).status).toBe(404);
	}, 120_000);

	it("resumes a dropped client from its last seq with no gaps and no duplicates", async () => {
		const token = await platform.userToken(sessionId);
		const watcher = platform.connect(sessionId, token, 0);
		await waitFor(
			() => watcher.events.length > 0 && watcher.stream.state === "open",
			10_000,
			"watcher replay",
		);
		const before = (await (await platform.http()).getStatus(sessionId)).lastSeq;
		const dropper = platform.connect(sessionId, token, before);
		await waitFor(() => dropper.stream.state === "open", 10_000, "dropper open");
		await watcher.stream.sendPrompt("[script:slow] tell me a long story");
		await waitFor(
			() => dropper.events.filter((event) => event.type === "message.delta").length >= 5,
			60_000,
			"some deltas",
		);
		const lastSeen = dropper.stream.lastSeq;
		const seenSoFar = [...dropper.events];
		dropper.stream.close();
		await waitFor(
			() =>
				watcher.events.filter((event) => event.seq > lastSeen && event.type === "message.delta").length >= 10,
			60_000,
			"more deltas while away",
		);
		const rejoined = platform.connect(sessionId, token, lastSeen);
		await waitFor(() => isIdleAfterAnswer(watcher.events, before), 120_000, "the slow answer");
		await waitFor(
			() => rejoined.events.at(-1)?.seq === watcher.events.at(-1)?.seq,
			10_000,
			"rejoined catch-up",
		);
		const combined = [...seenSoFar, ...rejoined.events];
		expect(combined).toEqual(watcher.events.filter((event) => event.seq > before));
		expectContiguous(combined, before + 1);
	}, 300_000);

	it("refuses bad tokens, other organizations' sessions and bad frames while serving other clients", async () => {
		const token = await platform.userToken(sessionId);
		const healthy = platform.connect(sessionId, token, 0);
		await waitFor(() => healthy.stream.state === "open", 10_000, "healthy client");
		const WebSocket = (await import("ws")).default;
		const attempt = (url: string, send?: string | Buffer) =>
			new Promise<{ code: number; frames: { kind: string; code?: string }[] }>((resolve) => {
				const frames: { kind: string; code?: string }[] = [];
				const socket = new WebSocket(url);
				socket.on("message", (data) => {
					const frame = JSON.parse(String(data)) as { kind: string; code?: string };
					frames.push(frame);
					if (frame.kind === "ready" && send !== undefined) socket.send(send);
					if (send !== undefined && frame.kind === "error") socket.close(1000);
				});
				socket.on("close", (code) => resolve({ code, frames }));
			});
		const base = `${platform.gateway.url.replace("http", "ws")}/sessions/${sessionId}/stream`;
		const noToken = await attempt(base);
		expect(noToken.code).toBe(4401);
		expect(noToken.frames[0]).toMatchObject({ kind: "error", code: "INVALID_TOKEN" });
		const { signUserToken } = await import("@proliferate/shared/auth");
		const expired = await signUserToken(
			{ userId: platform.userId, organizationId: platform.organizationId, ttlSeconds: -5 },
			platform.secrets.userSecret,
		);
		expect((await attempt(`${base}?token=${expired}`)).frames[0]).toMatchObject({ code: "TOKEN_EXPIRED" });
		const otherOrg = await signUserToken(
			{ userId: platform.userId, organizationId: platform.otherOrganizationId },
			platform.secrets.userSecret,
		);
		const foreign = await attempt(`${base}?token=${otherOrg}`);
		expect(foreign.code).toBe(4404);
		expect(foreign.frames[0]).toMatchObject({ code: "SESSION_NOT_FOUND" });
		const malformed = await attempt(`${base}?token=${token}`, "{not json");
		expect(malformed.frames.at(-1)).toMatchObject({ kind: "error", code: "MALFORMED_FRAME" });
		const invalid = await attempt(`${base}?token=${token}`, JSON.stringify({ type: "prompt", content: "" }));
		expect(invalid.frames.at(-1)).toMatchObject({ kind: "error", code: "INVALID_COMMAND" });
		const huge = await attempt(`${base}?token=${token}`, Buffer.alloc(10 * 1024 * 1024, 97));
		expect(huge.frames.at(-1)).toMatchObject({ kind: "error", code: "FRAME_TOO_LARGE" });
		// The hub kept serving the healthy client throughout.
		await expect(healthy.stream.request({ type: "ping" })).resolves.toBeUndefined();
		const http = await platform.http();
		const response = await fetch(`${platform.gateway.url}/sessions/${sessionId}/status`);
		expect(response.status).toBe(401);
		const { createGatewayHttpClient } = await import("@proliferate/gateway-clients");
		const outsider = createGatewayHttpClient({
			baseUrl: platform.gateway.url,
			auth: { type: "token", token: otherOrg },
		});
		await expect(outsider.getStatus(sessionId)).rejects.toMatchObject({ status: 404 });
		await expect(http.postMessage(sessionId, { content: "" })).rejects.toMatchObject({
			status: 400,
			code: "INVALID_INPUT",
		});
	}, 120_000);
});
