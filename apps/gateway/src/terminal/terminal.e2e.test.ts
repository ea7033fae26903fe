import { signUserToken } from "@proliferate/shared/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestPlatform, type TestPlatform, waitFor } from "../testing/platform";

let platform: TestPlatform;
let sessionId: string;

beforeAll(async () => {
	platform = await createTestPlatform();
	const http = await platform.http();
	sessionId = (await http.createSession({ repoId: platform.repoId, title: "terminal" })).session.id;
}, 180_000);

afterAll(async () => {
	await platform?.close();
});

/** Opens the terminal socket and collects what it prints until it closes. */
function openTerminal(path: string) {
	const socket = new WebSocket(`${platform.gateway.url.replace(/^http/, "ws")}${path}`);
	const state = { output: "", closeCode: 0 as number, closed: false };
	socket.on("message", (data) => {
		state.output += data.toString();
	});
	socket.on("close", (code) => {
		state.closeCode = code;
		state.closed = true;
	});
	const send = (frame: unknown) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
	return { socket, state, send };
}

describe("terminal WebSocket /proxy/:sessionId/terminal", () => {
	it("runs typed commands in the sandbox's workspace and keeps the working directory", async () => {
		const token = await platform.userToken(sessionId);
		const terminal = openTerminal(`/proxy/${sessionId}/terminal?token=${encodeURIComponent(token)}`);
		// Frames sent before the sandbox is ready are kept and handled once it is.
		terminal.socket.on("open", () => terminal.send({ type: "resize", cols: 120, rows: 30 }));
		await waitFor(() => terminal.state.output.includes("user@sandbox"), 150_000, "the prompt");
		terminal.send({ type: "input", data: "cat package.json | grep '\"name\"'\r" });
		await waitFor(() => terminal.state.output.includes('"demo-app"'), 30_000, "command output");
		terminal.send({ type: "input", data: "cd src && pwd\r" });
		await waitFor(() => terminal.state.output.includes("/home/user/workspace/src\r\n"), 30_000, "cd");
		expect(terminal.state.output).toContain("~/workspace/src");
		terminal.send("{not json");
		await waitFor(() => terminal.state.output.includes("ignored a malformed frame"), 10_000, "refusal");
		terminal.send({ type: "input", data: "echo still-here\r" });
		await waitFor(() => terminal.state.output.includes("still-here\r\n"), 30_000, "the terminal to live on");
		terminal.socket.close();
	});

	it("refuses a missing token, an expired one, another organization and another session's token", async () => {
		const missing = openTerminal(`/proxy/${sessionId}/terminal`);
		await waitFor(() => missing.state.closed, 10_000, "close");
		expect(missing.state.closeCode).toBe(4401);

		const expired = await signUserToken(
			{ userId: platform.userId, organizationId: platform.organizationId, ttlSeconds: -10 },
			platform.secrets.userSecret,
		);
		const old = openTerminal(`/proxy/${sessionId}/terminal?token=${expired}`);
		await waitFor(() => old.state.closed, 10_000, "close");
		expect(old.state.closeCode).toBe(4401);
		expect(old.state.output).toMatch(/expired/i);

		const outsider = await signUserToken(
			{ userId: platform.userId, organizationId: platform.otherOrganizationId },
			platform.secrets.userSecret,
		);
		const foreign = openTerminal(`/proxy/${sessionId}/terminal?token=${outsider}`);
		await waitFor(() => foreign.state.closed, 10_000, "close");
		expect(foreign.state.closeCode).toBe(4404);

		const otherSession = await platform.userToken("00000000-0000-4000-8000-000000000000");
		const scoped = openTerminal(`/proxy/${sessionId}/terminal?token=${otherSession}`);
		await waitFor(() => scoped.state.closed, 10_000, "close");
		expect(scoped.state.closeCode).toBe(4403);
	});
});
