import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { deriveSandboxMcpToken } from "@proliferate/sandbox-mcp";
import { sandboxes, sessions } from "@proliferate/services";
import { deriveSandboxToken, signServiceToken } from "@proliferate/shared/auth";
import { testSecret } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "./testing/platform";

/**
 * The finding of issue #13: every platform secret was readable inside every local sandbox
 * (bubblewrap inherited the gateway's environment), and the sandbox's gateway relay forwarded the
 * whole gateway API, so a forged cross-organization token read another organization's session.
 */
const platformSecrets = {
	AUTH_SECRET: `auth-${randomBytes(12).toString("hex")}`,
	GATEWAY_JWT_SECRET: `jwt-${randomBytes(12).toString("hex")}`,
	SERVICE_TO_SERVICE_SECRET: `s2s-${randomBytes(12).toString("hex")}`,
	LLM_PROXY_ADMIN_SECRET: `llmadmin-${randomBytes(12).toString("hex")}`,
	SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
	DATABASE_URL: `postgres://platform:${randomBytes(8).toString("hex")}@127.0.0.1:5432/proliferate`,
};
const saved: Record<string, string | undefined> = {};

let platform: TestPlatform;
let sessionId: string;
let sandboxId: string;
let otherSessionId: string;
/** Every request the gateway's HTTP server received (method and URL), as its router saw them. */
const gatewayRequests: string[] = [];

interface VisibleProcess {
	pid: number;
	cmdline: string[];
	environ: string[];
}

const listProcesses = `
const fs = require("node:fs");
const out = [];
for (const pid of fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name))) {
	const read = (file) => { try { return fs.readFileSync("/proc/" + pid + "/" + file).toString().split("\\0").filter(Boolean); } catch (error) { return ["<unreadable " + error.code + ">"]; } };
	out.push({ pid: Number(pid), cmdline: read("cmdline"), environ: read("environ") });
}
process.stdout.write(JSON.stringify(out));
`;

/** Run inside the sandbox: requests through the gateway relay, as code the agent wrote would send them. */
const probeRelay = `
const net = require("node:net");
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const base = process.env.PROLIFERATE_EGRESS_GATEWAY_URL;
async function call(method, path, token) {
	const response = await fetch(base + path, { method, headers: { authorization: "Bearer " + token, "content-type": "application/json" }, ...(method === "POST" ? { body: JSON.stringify({ toolCallId: "probe", args: {} }) } : {}) });
	return { status: response.status, body: await response.text() };
}
function upgrade(path) {
	return new Promise((resolve) => {
		const url = new URL(base);
		const socket = net.connect(Number(url.port), url.hostname);
		let answer = "";
		socket.on("data", (chunk) => { answer += chunk; });
		socket.on("close", () => resolve(answer.split("\\r\\n")[0]));
		socket.on("error", () => resolve(answer.split("\\r\\n")[0] || "error"));
		socket.write("GET " + path + " HTTP/1.1\\r\\nhost: gateway\\r\\nconnection: Upgrade\\r\\nupgrade: websocket\\r\\nsec-websocket-version: 13\\r\\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n");
		setTimeout(() => socket.destroy(), 3000);
	});
}
(async () => {
	const out = {
		otherStatus: await call("GET", "/sessions/" + input.other + "/status", input.forged),
		otherFiles: await call("GET", "/sessions/" + input.other + "/sandbox/files?path=.", input.forged),
		ownStatus: await call("GET", "/sessions/" + input.own + "/status", input.forged),
		upgrade: await upgrade("/sessions/" + input.other + "/ws?token=" + input.forged),
		ownTool: await call("POST", "/sessions/" + input.own + "/tools/verify", "not-the-sandbox-token"),
	};
	process.stdout.write(JSON.stringify(out));
})();
`;

beforeAll(async () => {
	// The process that spawns the sandboxes holds real platform secrets, as a deployed gateway does.
	for (const [key, value] of Object.entries(platformSecrets)) {
		saved[key] = process.env[key];
		process.env[key] = value;
	}
	platform = await createTestPlatform();
	platform.gateway.server.on("request", (request: IncomingMessage) => {
		gatewayRequests.push(`${request.method} ${request.url}`);
	});
	const started = await platform.startSession({ title: "secrets" });
	sessionId = started.session.id;
	const session = await sessions.getSession(platform.services, {
		organizationId: platform.organizationId,
		sessionId,
	});
	if (!session.sandboxId) throw new Error("the session has no sandbox");
	const sandbox = await sandboxes.getSandbox(platform.services, {
		organizationId: platform.organizationId,
		sandboxId: session.sandboxId,
	});
	sandboxId = sandbox.providerSandboxId;
	// Another organization's session, the target of the cross-organization read.
	const other = await sessions.createSession(platform.services, {
		organizationId: platform.otherOrganizationId,
		title: "the other organization's session",
	});
	otherSessionId = other.id;
}, 200_000);

afterAll(async () => {
	await platform?.close();
	for (const [key, value] of Object.entries(saved)) {
		if (value === undefined) delete process.env[key];
		else process.env[key] = value;
	}
});

describe("a session's sandbox and the platform's secrets", () => {
	it("no process in the sandbox can read a platform secret; the supervisor holds no session credential; sandbox-mcp's token is in no environment", async () => {
		const result = await platform.provider.exec(sandboxId, ["/usr/bin/node", "-e", listProcesses]);
		const processes = JSON.parse(result.stdout) as VisibleProcess[];
		const serviceSecret = platform.secrets.serviceSecret;
		const forbidden: Record<string, string> = {
			...platformSecrets,
			gatewayUserSecret: platform.secrets.userSecret,
			gatewayServiceSecret: serviceSecret,
			llmProxyAdminSecret: testSecret("llm-proxy-admin"),
		};
		for (const visible of processes) {
			const text = [...visible.cmdline, ...visible.environ].join("\n");
			for (const [name, value] of Object.entries(forbidden)) {
				expect(
					text,
					`pid ${visible.pid} (${visible.cmdline.slice(0, 3).join(" ")}) shows ${name}`,
				).not.toContain(value);
			}
		}
		const opencode = processes.find(
			(visible) => visible.cmdline.includes("serve") && visible.cmdline.includes("--print-logs"),
		);
		// node running the supervisor script (bubblewrap's own command line names the script too).
		const supervisor = processes.find(
			(visible) => visible.pid !== 1 && visible.cmdline[1]?.endsWith("/sandbox-init.mjs") === true,
		);
		const sandboxMcp = processes.find((visible) =>
			visible.cmdline.some((part) => part.endsWith("sandbox-mcp.mjs")),
		);
		expect(
			opencode && supervisor && sandboxMcp,
			processes.map((visible) => visible.cmdline.join(" ")).join("\n"),
		).toBeTruthy();
		const llmKey = opencode?.environ
			.find((entry) => entry.startsWith("PROLIFERATE_LLM_API_KEY="))
			?.slice("PROLIFERATE_LLM_API_KEY=".length);
		const credentials = {
			opencodePassword: createHmac("sha256", serviceSecret)
				.update(`opencode:${sessionId}`)
				.digest("base64url"),
			sandboxToken: deriveSandboxToken(sessionId, serviceSecret),
			sandboxMcpToken: deriveSandboxMcpToken(sessionId, serviceSecret),
			llmKey: llmKey ?? "",
		};
		// OpenCode holds its own password and the session's LLM key (the values are the real ones).
		expect(credentials.llmKey.length).toBeGreaterThan(8);
		expect(opencode?.environ).toContain(`OPENCODE_SERVER_PASSWORD=${credentials.opencodePassword}`);
		const launchers = processes.filter((visible) => visible.pid === 1 || visible === supervisor);
		expect(launchers).toHaveLength(2);
		for (const launcher of launchers) {
			const text = [...launcher.cmdline, ...launcher.environ].join("\n");
			for (const [name, value] of Object.entries(credentials))
				expect(text, `pid ${launcher.pid} holds ${name}`).not.toContain(value);
		}
		for (const visible of processes) {
			const text = [...visible.cmdline, ...visible.environ].join("\n");
			expect(text, `pid ${visible.pid} shows sandbox-mcp's token`).not.toContain(credentials.sandboxMcpToken);
		}
		// The platform tools server (OpenCode's child) has the sandbox token and not OpenCode's
		// credentials; OpenCode itself does not hold the sandbox token.
		const platformTools = processes.find((visible) =>
			visible.cmdline.some((part) => part.endsWith("/platform-tools-mcp.mjs")),
		);
		expect(platformTools, processes.map((visible) => visible.cmdline.join(" ")).join("\n")).toBeDefined();
		expect(platformTools?.environ).toContain(`PROLIFERATE_SANDBOX_TOKEN=${credentials.sandboxToken}`);
		const toolsText = platformTools?.environ.join("\n") ?? "";
		expect(toolsText).not.toContain(credentials.opencodePassword);
		expect(toolsText).not.toContain(credentials.llmKey);
		expect(opencode?.environ.join("\n")).not.toContain(credentials.sandboxToken);
		const mcpText = sandboxMcp?.environ.join("\n") ?? "";
		for (const name of ["opencodePassword", "sandboxToken", "llmKey"] as const)
			expect(mcpText, `sandbox-mcp holds ${name}`).not.toContain(credentials[name]);
	});

	it("the gateway relay refuses a forged cross-organization token's reads and WebSocket upgrades before the gateway sees them, and still forwards the session's tool callbacks", async () => {
		const forged = await signServiceToken(
			{ service: "worker", organizationId: platform.otherOrganizationId },
			platform.secrets.serviceSecret,
		);
		// Sent straight to the gateway the forged token works: the relay is what stops it.
		const direct = await fetch(`${platform.gateway.url}/sessions/${otherSessionId}/status`, {
			headers: { authorization: `Bearer ${forged}` },
		});
		expect(direct.status).toBe(200);
		gatewayRequests.length = 0;
		const result = await platform.provider.exec(sandboxId, ["/usr/bin/node", "-e", probeRelay], {
			stdin: JSON.stringify({ own: sessionId, other: otherSessionId, forged }),
			timeoutMs: 30_000,
		});
		const probe = JSON.parse(result.stdout) as Record<
			"otherStatus" | "otherFiles" | "ownStatus" | "ownTool",
			{ status: number; body: string }
		> & { upgrade: string };
		for (const name of ["otherStatus", "otherFiles", "ownStatus"] as const) {
			expect(probe[name].status, name).toBe(403);
			expect(JSON.parse(probe[name].body).error.code).toBe("EGRESS_ROUTE_FORBIDDEN");
		}
		expect(probe.upgrade).toMatch(/^HTTP\/1\.1 403/);
		// The session's own tool route is forwarded (a wrong token is the gateway's 401, not the relay's).
		expect(probe.ownTool.status).toBe(401);
		expect(JSON.parse(probe.ownTool.body).error.code).toBe("INVALID_SANDBOX_TOKEN");
		expect(gatewayRequests).toEqual([`POST /sessions/${sessionId}/tools/verify`]);
	});
});
