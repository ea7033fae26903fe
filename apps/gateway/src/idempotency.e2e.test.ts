import { createGatewayHttpClient, GatewayRequestError } from "@proliferate/gateway-clients";
import { sessions } from "@proliferate/services";
import type { SessionEvent } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	answered,
	createTestPlatform,
	serviceToken,
	statusSeen,
	type TestPlatform,
	waitFor,
} from "./testing/platform";

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform();
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

const sandboxesOf = (sessionId: string) =>
	platform.provider.sandboxMetas().filter((meta) => meta.sessionId === sessionId);

const userMessages = (events: SessionEvent[]) =>
	events.filter((event) => event.type === "message.started" && event.role === "user");

/** A raw call, to send headers the typed client would never send and read response headers. */
async function post(path: string, body: unknown, headers: Record<string, string>) {
	const response = await fetch(`${platform.gateway.url}${path}`, {
		method: "POST",
		headers: {
			authorization: `Bearer ${await platform.userToken()}`,
			"content-type": "application/json",
			...headers,
		},
		body: JSON.stringify(body),
	});
	return {
		status: response.status,
		headers: response.headers,
		body: (await response.json()) as Record<string, unknown>,
	};
}

async function expectRefused(promise: Promise<unknown>, status: number, code: string) {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(GatewayRequestError);
	expect(error).toMatchObject({ status, code });
}

describe("idempotency keys on the gateway (real gateway, database, sandboxes and agent)", () => {
	let sessionId: string;

	it("creates one session and boots one sandbox for a key sent twice; another body is refused", async () => {
		const http = await platform.http();
		const input = { repoId: platform.repoId, title: "idempotent create" };
		const first = await http.createSession(input, { idempotencyKey: "create-key-1" });
		sessionId = first.session.id;
		const { events } = platform.connect(sessionId, await platform.userToken(sessionId));
		const repeated = await post("/sessions", input, { "idempotency-key": "create-key-1" });
		expect(repeated.status).toBe(201);
		expect(repeated.headers.get("idempotent-replayed")).toBe("true");
		expect((repeated.body.session as { id: string }).id).toBe(sessionId);
		await waitFor(() => statusSeen(events, "running"), 150_000, "running");
		const again = await http.createSession(input, { idempotencyKey: "create-key-1" });
		expect(again.session.id).toBe(sessionId);

		const titled = await sessions.listSessions(platform.services, {
			organizationId: platform.organizationId,
		});
		expect(titled.filter((session) => session.title === "idempotent create")).toHaveLength(1);
		expect(sandboxesOf(sessionId)).toHaveLength(1);
		expect(
			events.filter((event) => event.type === "session.status" && event.status === "running"),
		).toHaveLength(1);

		await expectRefused(
			http.createSession({ ...input, title: "another body" }, { idempotencyKey: "create-key-1" }),
			409,
			"IDEMPOTENCY_KEY_REUSED",
		);
	}, 300_000);

	it("delivers a message sent twice with one key to the agent once", async () => {
		const http = await platform.http();
		const { events } = platform.connect(sessionId, await platform.userToken(sessionId));
		await waitFor(() => statusSeen(events, "running"), 30_000, "replay of running");
		const before = userMessages(events).length;
		const from = events.at(-1)?.seq ?? 0;
		const input = { content: "Please improve the demo app" };
		const first = await http.postMessage(sessionId, input, { idempotencyKey: "message-key-1" });
		const repeated = await post(`/sessions/${sessionId}/message`, input, {
			"idempotency-key": "message-key-1",
		});
		expect(repeated.status).toBe(202);
		expect(repeated.headers.get("idempotent-replayed")).toBe("true");
		expect(repeated.body).toEqual(first);
		await waitFor(() => answered(events, from), 150_000, "the answer");
		const again = await http.postMessage(sessionId, input, { idempotencyKey: "message-key-1" });
		expect(again).toEqual(first);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(userMessages(events).length - before).toBe(1);
		expect(userMessages(events).at(-1)).toMatchObject({ messageId: first.messageId });

		await expectRefused(
			http.postMessage(sessionId, { content: "something else" }, { idempotencyKey: "message-key-1" }),
			409,
			"IDEMPOTENCY_KEY_REUSED",
		);
	}, 300_000);

	it("gives two concurrent creates with one key one session, and another organization's same key its own", async () => {
		const http = await platform.http();
		const input = { title: "concurrent create" };
		const [left, right] = await Promise.all([
			http.createSession(input, { idempotencyKey: "create-key-2" }),
			http.createSession(input, { idempotencyKey: "create-key-2" }),
		]);
		expect(left.session.id).toBe(right.session.id);
		const mine = await sessions.listSessions(platform.services, { organizationId: platform.organizationId });
		expect(mine.filter((session) => session.title === "concurrent create")).toHaveLength(1);

		const other = createGatewayHttpClient({
			baseUrl: platform.gateway.url,
			auth: {
				type: "token",
				token: () =>
					serviceToken(
						{ service: "automations", organizationId: platform.otherOrganizationId },
						platform.secrets.serviceSecret,
					),
			},
		});
		const theirs = await other.createSession(input, { idempotencyKey: "create-key-2" });
		expect(theirs.session.id).not.toBe(left.session.id);
		expect(theirs.session.organizationId).toBe(platform.otherOrganizationId);
		// Their key never answers with ours, nor ours with theirs.
		expect((await other.createSession(input, { idempotencyKey: "create-key-2" })).session.id).toBe(
			theirs.session.id,
		);
		expect((await http.createSession(input, { idempotencyKey: "create-key-2" })).session.id).toBe(
			left.session.id,
		);

		await http.terminate(left.session.id);
		await other.terminate(theirs.session.id);
	}, 300_000);

	it("refuses malformed keys with 400 INVALID_IDEMPOTENCY_KEY and creates nothing", async () => {
		const before = (
			await sessions.listSessions(platform.services, { organizationId: platform.organizationId })
		).length;
		for (const key of ["x".repeat(201), "café", "tab\there"]) {
			const created = await post("/sessions", { title: "malformed" }, { "idempotency-key": key });
			expect(created.status).toBe(400);
			expect(created.body.error).toMatchObject({ code: "INVALID_IDEMPOTENCY_KEY" });
			const message = await post(
				`/sessions/${sessionId}/message`,
				{ content: "hi" },
				{ "idempotency-key": key },
			);
			expect(message.status).toBe(400);
			expect(message.body.error).toMatchObject({ code: "INVALID_IDEMPOTENCY_KEY" });
		}
		const http = await platform.http();
		await expectRefused(
			http.createSession({ title: "malformed" }, { idempotencyKey: "" }),
			400,
			"INVALID_IDEMPOTENCY_KEY",
		);
		const after = (
			await sessions.listSessions(platform.services, { organizationId: platform.organizationId })
		).length;
		expect(after).toBe(before);
		expect(sandboxesOf(sessionId)).toHaveLength(1);
	}, 60_000);
});
