import { createSessionSandboxClient, type SandboxClient } from "@proliferate/gateway-clients";
import { repoConfig } from "@proliferate/services";
import type { ServiceLogEvent } from "@proliferate/shared";
import { signUserToken } from "@proliferate/shared/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestPlatform, type TestPlatform, waitFor } from "./testing/platform";

let platform: TestPlatform;
let sessionId: string;
let sandbox: SandboxClient;

function sandboxClient(token: string): SandboxClient {
	return createSessionSandboxClient({
		gatewayUrl: platform.gateway.url,
		sessionId,
		auth: { type: "token", token },
		WebSocket: WebSocket as never,
	});
}

/** Opens a terminal socket through the gateway: "opened", or the close code and error frame of a refusal. */
function upgradeOutcome(path: string, token: string): Promise<string> {
	return new Promise((resolve) => {
		const socket = new WebSocket(
			`${platform.gateway.url.replace("http", "ws")}${path}?token=${encodeURIComponent(token)}`,
		);
		let error = "";
		let opened = false;
		socket.on("message", (data) => {
			const frame = JSON.parse(String(data)) as { type: string; code?: string };
			if (frame.type === "error") error = frame.code ?? "";
			else if (!opened) {
				opened = true;
				resolve("opened");
				socket.close();
			}
		});
		socket.on("open", () => {
			setTimeout(() => {
				if (!error && !opened) {
					opened = true;
					resolve("opened");
					socket.close();
				}
			}, 1000);
		});
		socket.on("close", (code) => {
			if (!opened) resolve(`${code} ${error}`);
		});
		socket.on("error", () => {});
	});
}

beforeAll(async () => {
	platform = await createTestPlatform();
	await repoConfig.saveRepoConfig(platform.services, {
		organizationId: platform.organizationId,
		repoId: platform.repoId,
		serviceCommands: [{ name: "web", command: "node src/server.js", port: 3200 }],
	});
	const http = await platform.http();
	const { session } = await http.createSession({ repoId: platform.repoId, title: "terminal" });
	sessionId = session.id;
	await waitFor(async () => (await http.getStatus(sessionId)).runtimeReady, 150_000, "runtime ready");
	sandbox = sandboxClient(await platform.userToken());
}, 200_000);

afterAll(async () => {
	await platform?.close();
});

describe("the gateway's sandbox-mcp proxy", () => {
	it("runs a terminal end to end through the gateway with a user token", async () => {
		const terminal = await sandbox.createTerminal({ cols: 90, rows: 25 });
		let output = "";
		const connection = sandbox.connectTerminal(terminal.id, {
			onOutput: (data) => {
				output += data;
			},
		});
		connection.write("echo via-gateway-$((20+22)); cat package.json | grep -c demo-app\r");
		await waitFor(() => output.includes("via-gateway-42"), 20_000, "terminal echo");
		connection.resize(120, 33);
		connection.write("stty size\r");
		await waitFor(() => output.includes("33 120"), 20_000, "resized terminal");
		connection.close();
		expect((await sandbox.listTerminals()).map((item) => item.id)).toContain(terminal.id);
		await sandbox.closeTerminal(terminal.id);
	});

	it("starts saved services at boot and exposes a new service as a preview link", async () => {
		const web = await waitFor(
			async () =>
				(await sandbox.listServices()).find(
					(service) => service.name === "web" && service.status === "running",
				),
			20_000,
			"saved service running",
		);
		expect(web).toMatchObject({ saved: true, port: 3200 });
		await waitFor(
			async () => (await sandbox.serviceLogs("web")).text.includes("listening"),
			20_000,
			"web logs",
		);
		const saved = await sandbox.exposeService("web");
		expect(saved).toMatchObject({ name: "web", port: 3200 });
		expect(await (await fetch("url" in saved ? saved.url : "")).text()).toContain("Hello, world!");
		await sandbox.startService({ name: "api", command: "node src/server.js", port: 3100 });
		const exposed = await sandbox.exposeService("api");
		expect(exposed).toMatchObject({ name: "api", port: 3100, url: expect.stringContaining("/preview/") });
		const page = await fetch(`${"url" in exposed ? exposed.url : ""}?name=Ada`);
		expect(await page.text()).toContain("Ada");
		const followed: ServiceLogEvent[] = [];
		const following = sandbox.followServiceLogs("api", (event) => followed.push(event));
		await waitFor(() => followed.length > 0, 20_000, "followed logs");
		expect(followed[0]).toMatchObject({ event: "log", data: { text: expect.stringContaining("listening") } });
		expect((await sandbox.stopService("api")).status).toBe("stopped");
		await following;
		expect(followed.at(-1)).toMatchObject({ event: "exit", data: { status: "stopped" } });
		const missing = await sandbox.exposeService("nope").catch((error: unknown) => error);
		expect(missing).toMatchObject({ status: 404, code: "SERVICE_NOT_FOUND" });
	});

	it("reads files, git status and diff of the session's workspace", async () => {
		const file = await sandbox.readFile("package.json");
		expect(file.content).toContain('"demo-app"');
		await sandbox.startService({ name: "touch", command: "echo changed >> README.md" });
		await waitFor(async () => (await sandbox.gitStatus()).files.length > 0, 20_000, "workspace change");
		expect((await sandbox.gitDiff()).files.map((entry) => entry.path)).toEqual(["README.md"]);
		const refused = await sandbox.readFile("../../../etc/passwd").catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 400, code: "PATH_OUTSIDE_WORKSPACE" });
	});

	it("refuses another organization's users, wrong tokens and tokens of another session", async () => {
		const terminal = await sandbox.createTerminal();
		const socketPath = `/sessions/${sessionId}/sandbox/terminals/${terminal.id}`;
		expect(await upgradeOutcome(socketPath, await platform.userToken())).toBe("opened");

		const outsider = await signUserToken(
			{ userId: platform.userId, organizationId: platform.otherOrganizationId },
			platform.secrets.userSecret,
		);
		await expect(sandboxClient(outsider).listTerminals()).rejects.toMatchObject({ status: 404 });
		expect(await upgradeOutcome(socketPath, outsider)).toBe("4404 SESSION_NOT_FOUND");

		await expect(sandboxClient("not-a-token").listServices()).rejects.toMatchObject({ status: 401 });
		expect(await upgradeOutcome(socketPath, "not-a-token")).toBe("4401 INVALID_TOKEN");

		const otherSession = await platform.userToken("00000000-0000-4000-8000-000000000000");
		await expect(sandboxClient(otherSession).gitStatus()).rejects.toMatchObject({ status: 403 });
		expect(await upgradeOutcome(socketPath, otherSession)).toBe("4403 TOKEN_NOT_FOR_SESSION");

		// Only sandbox-mcp's areas are reachable, and the user's token means nothing to sandbox-mcp itself.
		const health = await fetch(`${platform.gateway.url}/sessions/${sessionId}/sandbox/health`, {
			headers: { authorization: `Bearer ${await platform.userToken()}` },
		});
		expect(health.status).toBe(404);
		const hub = platform.gateway.hubs.get(sessionId);
		const mcp = await hub?.controller.sandboxMcp();
		const direct = await fetch(`${mcp?.url}/terminals`, {
			headers: { authorization: `Bearer ${await platform.userToken()}` },
		});
		expect(direct.status).toBe(401);
		expect(
			await upgradeOutcome(`/sessions/${sessionId}/sandbox/terminals/term_nope`, await platform.userToken()),
		).toBe("4404 TERMINAL_NOT_FOUND");
		await sandbox.closeTerminal(terminal.id);
	});
});
