import { deriveSandboxToken, signUserToken } from "@proliferate/shared/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type StartedSession, type TestPlatform, waitFor } from "./testing/platform";

/**
 * The platform tools' callback route (`POST /sessions/:id/tools/:name`) under hostile and duplicate
 * calls, as the MCP server in a sandbox would make them (agent-contract.md § Threat and fault model).
 * The agent in the sandbox is untrusted: only its own session's sandbox token is accepted, input is
 * validated, and a retried call (same tool call id) acts once.
 */
let platform: TestPlatform;
let started: StartedSession;
let other: StartedSession;

beforeAll(async () => {
	platform = await createTestPlatform();
	started = await platform.startSession({ title: "tool callbacks" });
	other = await platform.startSession({ title: "another session" });
}, 300_000);

afterAll(async () => {
	await platform?.close();
});

function callTool(
	sessionId: string,
	tool: string,
	body: unknown,
	authorization: string | null = `Bearer ${deriveSandboxToken(sessionId, platform.secrets.serviceSecret)}`,
) {
	return fetch(`${platform.gateway.url}/sessions/${encodeURIComponent(sessionId)}/tools/${tool}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
		body: typeof body === "string" ? body : JSON.stringify(body),
	});
}

const envRequest = (toolCallId: string) => ({
	toolCallId,
	args: { keys: [{ key: "DATABASE_URL", description: "where the app stores data" }] },
});

const envRequestsSeen = (requestId: string) =>
	started.events.filter((event) => event.type === "env.requested" && event.requestId === requestId).length;

describe("platform tool callbacks from a sandbox", () => {
	it("refuses calls without this session's sandbox token, acting on nothing", async () => {
		const sessionId = started.session.id;
		const refusals: [string, string | null][] = [
			["no token", null],
			["a forged token", "Bearer forged-sandbox-token"],
			[
				"another session's sandbox token",
				`Bearer ${deriveSandboxToken(other.session.id, platform.secrets.serviceSecret)}`,
			],
			[
				"a sandbox token under another secret",
				`Bearer ${deriveSandboxToken(sessionId, "another-service-secret-of-32-chars!!")}`,
			],
			["the browser's user token", `Bearer ${started.token}`],
		];
		for (const [label, authorization] of refusals) {
			const response = await callTool(
				sessionId,
				"request_env_variables",
				envRequest(`forged-${label}`),
				authorization,
			);
			expect(response.status, label).toBe(401);
			expect(await response.json(), label).toMatchObject({ error: { code: "INVALID_SANDBOX_TOKEN" } });
			expect(envRequestsSeen(`forged-${label}`), label).toBe(0);
		}
	});

	it("answers malformed, oversized and unknown calls with a client error", async () => {
		const sessionId = started.session.id;
		const cases: [string, string, unknown, number, string][] = [
			["invalid JSON", "request_env_variables", "{not json", 400, "INVALID_JSON"],
			["no tool call id", "request_env_variables", { args: {} }, 400, "INVALID_INPUT"],
			["a huge tool call id", "request_env_variables", envRequest("x".repeat(10_000)), 400, "INVALID_INPUT"],
			[
				"arguments that break the schema",
				"request_env_variables",
				{ toolCallId: "bad-args", args: { keys: [{ key: "not a name; rm -rf /" }] } },
				400,
				"INVALID_TOOL_ARGUMENTS",
			],
			[
				"a path out of the workspace",
				"save_env_files",
				{ toolCallId: "escape", args: { files: [{ path: "../../etc/passwd", keys: [{ key: "A" }] }] } },
				400,
				"INVALID_TOOL_ARGUMENTS",
			],
			["an unknown tool", "drop_database", { toolCallId: "unknown", args: {} }, 404, "UNKNOWN_TOOL"],
			[
				"a body over the limit",
				"request_env_variables",
				{ toolCallId: "big", args: { padding: "x".repeat(2 * 1024 * 1024) } },
				400,
				"BODY_TOO_LARGE",
			],
		];
		for (const [label, tool, body, status, code] of cases) {
			const response = await callTool(sessionId, tool, body);
			expect(response.status, label).toBe(status);
			expect(await response.json(), label).toMatchObject({ error: { code } });
		}
		expect(envRequestsSeen("bad-args") + envRequestsSeen("big")).toBe(0);
	});

	it("acts once for a retried call, whether the retry overlaps the first or follows it", async () => {
		const sessionId = started.session.id;
		const [first, overlapping] = await Promise.all([
			callTool(sessionId, "request_env_variables", envRequest("retried-call")),
			callTool(sessionId, "request_env_variables", envRequest("retried-call")),
		]);
		const later = await callTool(sessionId, "request_env_variables", envRequest("retried-call"));
		const answers = await Promise.all([first, overlapping, later].map((response) => response.json()));
		for (const response of [first, overlapping, later]) expect(response.status).toBe(200);
		expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
		// A different call of the same tool is a new effect: the check below can see a second one.
		expect((await callTool(sessionId, "request_env_variables", envRequest("next-call"))).status).toBe(200);
		await waitFor(() => envRequestsSeen("next-call") === 1, 10_000, "the next call's event");
		expect(envRequestsSeen("retried-call")).toBe(1);
	});

	it("serves a session's artifacts only to its organization's members, never to a sandbox token", async () => {
		const sessionId = started.session.id;
		const url = `${platform.gateway.url}/sessions/${sessionId}/artifacts/00000000-0000-4000-8000-000000000000`;
		const outsiderToken = await signUserToken(
			{ userId: "outsider", organizationId: platform.otherOrganizationId },
			platform.secrets.userSecret,
		);
		const statusWith = async (authorization?: string) =>
			(await fetch(url, authorization ? { headers: { authorization } } : {})).status;
		expect(await statusWith()).toBe(401);
		expect(await statusWith(`Bearer ${deriveSandboxToken(sessionId, platform.secrets.serviceSecret)}`)).toBe(
			401,
		);
		expect([403, 404]).toContain(await statusWith(`Bearer ${outsiderToken}`));
		// The organization's own member reaches the lookup: an unknown artifact is simply not found.
		expect(await statusWith(`Bearer ${started.token}`)).toBe(404);
	});
});
