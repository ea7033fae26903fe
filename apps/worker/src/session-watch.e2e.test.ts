import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	AGENT_RUNTIME_HOST_DIR,
	AGENT_RUNTIME_SANDBOX_DIR,
	OPENCODE_SANDBOX_DIR,
	resolveOpencodeBinary,
} from "@proliferate/agent-runtime";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createGatewayHttpClient } from "@proliferate/gateway-clients";
import { type FakeE2bServer, startFakeE2bServer } from "@proliferate/sandbox/testing";
import {
	ensureSandboxMcpBundle,
	SANDBOX_MCP_HOST_DIR,
	SANDBOX_MCP_SANDBOX_DIR,
} from "@proliferate/sandbox-mcp";
import { createScriptedModelServer, type ScriptedModelServer } from "@proliferate/scripted-model";
import { createDb, type DatabaseHandle, orgs, repos, sandboxes, sessions } from "@proliferate/services";
import { signServiceToken, signUserToken } from "@proliferate/shared/auth";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import {
	type GatewayProcess,
	startGatewayProcess,
	startWorkerProcess,
	type WorkerProcess,
} from "@proliferate/vitest-setup/processes";
import { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Sessions whose gateway was killed (SIGKILL, 2 s leases) on E2B (a local server speaking its
 * protocol: the sandboxes outlive the gateway, as remote ones do). A second gateway and a worker
 * process run; the worker's session watch must pause the idle one, pause the one whose sandbox
 * nears its end of life, and mark the one whose sandbox vanished as failed, with reasons.
 */
let root: string;
let database: TestDatabase;
let redisInfo: TestRedis;
let handle: DatabaseHandle;
let raw: postgres.Sql;
let model: ScriptedModelServer;
let e2b: FakeE2bServer;
let environment: Record<string, string>;
let organizationId: string;
let otherOrganizationId: string;
let userId: string;
let repoId: string;
const gateways: GatewayProcess[] = [];
const workers: WorkerProcess[] = [];
const userSecret = testSecret("gateway-jwt");
const serviceSecret = testSecret("service");
const services = () => ({ db: handle.db });
let redis: Redis | undefined;
const redisClient = () => {
	redis ??= new Redis(redisInfo.url);
	return redis;
};

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), "session-watch-"));
	mkdirSync(join(root, "logs"));
	database = await createTestDatabase();
	redisInfo = createTestRedis();
	handle = createDb(database.url, { max: 3 });
	raw = postgres(database.url, { max: 1, onnotice: () => {} });
	model = await createScriptedModelServer({});
	const binary = resolveOpencodeBinary();
	await ensureSandboxMcpBundle();
	e2b = await startFakeE2bServer({
		root: join(root, "e2b"),
		templates: ["proliferate"],
		imageMounts: [
			{ hostPath: binary.directory, sandboxPath: OPENCODE_SANDBOX_DIR },
			{ hostPath: AGENT_RUNTIME_HOST_DIR, sandboxPath: AGENT_RUNTIME_SANDBOX_DIR },
			{ hostPath: SANDBOX_MCP_HOST_DIR, sandboxPath: SANDBOX_MCP_SANDBOX_DIR },
		],
	});
	const user = await orgs.createUser(services(), {
		name: "Ada",
		email: "ada@example.test",
		emailVerified: true,
	});
	const other = await orgs.createUser(services(), {
		name: "Eve",
		email: "eve@example.test",
		emailVerified: true,
	});
	const organization = await orgs.createOrganization(services(), { name: "Acme", ownerUserId: user.id });
	const otherOrganization = await orgs.createOrganization(services(), {
		name: "Other",
		ownerUserId: other.id,
	});
	const demo = createDemoRepo(join(root, "demo-app"));
	const repo = await repos.createRepo(services(), {
		organizationId: organization.id,
		name: "demo-app",
		url: `file://${demo.path}`,
		sourceKind: "git_url",
	});
	organizationId = organization.id;
	otherOrganizationId = otherOrganization.id;
	userId = user.id;
	repoId = repo.id;
	environment = {
		PATH: process.env.PATH ?? "/usr/bin:/bin",
		HOME: process.env.HOME ?? root,
		NODE_ENV: "test",
		LOG_LEVEL: "info",
		DATABASE_URL: database.url,
		REDIS_URL: redisInfo.url,
		REDIS_KEY_PREFIX: redisInfo.prefix,
		PROLIFERATE_DATA_DIR: join(root, "data"),
		GATEWAY_JWT_SECRET: userSecret,
		SERVICE_TO_SERVICE_SECRET: serviceSecret,
		AGENT_LLM_BASE_URL: model.url,
		AGENT_LLM_API_KEY: "scripted-demo",
		SANDBOX_PROVIDER: "e2b",
		E2B_API_KEY: e2b.apiKey,
		E2B_TEMPLATE: "proliferate",
		E2B_API_URL: e2b.url,
		E2B_SANDBOX_URL: e2b.url,
		E2B_PORT_URL_TEMPLATE: `${e2b.url}/port/{sandboxId}/{port}`,
		// The shortest lifetime the settings allow: the expiry margin is a quarter of it (15 s).
		SANDBOX_TIMEOUT_SECONDS: "60",
		SESSION_IDLE_TIMEOUT_SECONDS: "10",
		GATEWAY_LEASE_TTL_SECONDS: "2",
	};
}, 180_000);

afterAll(async () => {
	for (const worker of workers) await worker.kill().catch(() => {});
	for (const gateway of gateways) await gateway.stop().catch(() => {});
	e2b?.machine.killAll();
	await e2b?.close();
	await model?.close();
	await raw?.end();
	await handle?.close();
	redis?.disconnect();
	await redisInfo?.cleanup();
	await database?.drop();
	if (root && !process.env.KEEP_E2E_LOGS) rmSync(root, { recursive: true, force: true });
});

async function startGateway(instanceId: string): Promise<GatewayProcess> {
	const gateway = await startGatewayProcess({ instanceId, environment, logDirectory: join(root, "logs") });
	gateways.push(gateway);
	return gateway;
}

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined | false>,
	timeoutMs = 90_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe().catch(() => undefined);
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

const scope = (sessionId: string) => ({ organizationId, sessionId });

async function startSession(gateway: GatewayProcess, title: string) {
	const token = await signUserToken({ userId, organizationId }, userSecret);
	const http = createGatewayHttpClient({ baseUrl: gateway.url, auth: { type: "token", token } });
	const { session } = await http.createSession({ repoId, title });
	await until(`${title} running`, async () => {
		const current = await sessions.getSession(services(), scope(session.id));
		return current.status === "running" && current.sandboxId ? current : undefined;
	});
	return session.id;
}

async function providerSandboxId(sessionId: string): Promise<string> {
	const session = await sessions.getSession(services(), scope(sessionId));
	const record = await sandboxes.getSandbox(services(), {
		organizationId,
		sandboxId: session.sandboxId ?? "",
	});
	return record.providerSandboxId;
}

/** The gateway and worker that stay up; each case kills the gateway its session started on. */
let survivor: GatewayProcess;
let worker: WorkerProcess;

async function sessionStatus(sessionId: string, status: string) {
	return until(
		`${sessionId} ${status}`,
		async () => {
			const session = await sessions.getSession(services(), scope(sessionId));
			return session.status === status ? session : undefined;
		},
		120_000,
	);
}

describe("the session watch", () => {
	beforeAll(async () => {
		survivor = await startGateway("gw-survivor");
		worker = await startWorkerProcess({
			name: "watch",
			logDirectory: join(root, "logs"),
			environment: {
				...environment,
				GATEWAY_URL: survivor.url,
				WORKER_SESSION_WATCH_INTERVAL_MS: "500",
				WORKER_STALLED_BOOT_SECONDS: "5",
				// The watch alone (the sandbox sweeper would race it for the vanished sandbox).
				WORKER_QUEUES: "session-watch,session-idle-check,session-expiry",
				OUTBOX_POLL_INTERVAL_MS: "50",
			},
		});
		workers.push(worker);
	}, 180_000);

	// The fake E2B runs its sandboxes on this host's network: one live sandbox at a time.
	it("pauses an idle session whose gateway was killed, and it resumes from that pause", async () => {
		const doomed = await startGateway("gw-idle");
		const sessionId = await startSession(doomed, "idle");
		await doomed.kill();
		const paused = await sessionStatus(sessionId, "paused");
		expect(paused.statusReason).toContain("without activity");
		expect(paused.snapshotId).toBeTruthy();
		const record = await sandboxes.getSandbox(services(), {
			organizationId,
			sandboxId: paused.sandboxId ?? "",
		});
		expect(record.state).toBe("paused");
		expect(e2b.machine.sandboxes.get(record.providerSandboxId)?.state).toBe("paused");
		expect(worker.log()).toContain("a gateway supervised an unattended session");

		// The person comes back: the session resumes from the pause on the surviving gateway.
		const token = await signUserToken({ userId, organizationId }, userSecret);
		const http = createGatewayHttpClient({ baseUrl: survivor.url, auth: { type: "token", token } });
		await http.resume(sessionId);
		await sessionStatus(sessionId, "running");
		await http.terminate(sessionId);
		await sessionStatus(sessionId, "stopped");
	}, 300_000);

	it("marks a session failed, with the reason, when its sandbox vanished along with its gateway", async () => {
		const doomed = await startGateway("gw-vanished");
		const sessionId = await startSession(doomed, "vanished");
		const sandboxId = await providerSandboxId(sessionId);
		await doomed.kill();
		e2b.machine.kill(sandboxId);
		const failed = await sessionStatus(sessionId, "failed");
		expect(failed.statusReason).toContain("the sandbox stopped while no gateway served the session");
	}, 300_000);

	it("pauses a session whose gateway was killed before its sandbox reaches the end of its lifetime", async () => {
		const doomed = await startGateway("gw-expiring");
		const sessionId = await startSession(doomed, "expiring");
		// Only its sandbox's end of life concerns this session (its own idle timeout is long).
		await raw`update sessions set idle_timeout_seconds = 3600 where id = ${sessionId}`;
		const sandboxId = await providerSandboxId(sessionId);
		await doomed.kill();
		await new Promise((resolve) => setTimeout(resolve, 12_000));
		// Past the deployment's idle timeout, yet still running: 60 s lifetime, paused 15 s before its end.
		expect((await sessions.getSession(services(), scope(sessionId))).status).toBe("running");
		const paused = await sessionStatus(sessionId, "paused");
		expect(paused.statusReason).toContain("end of its lifetime");
		expect(paused.snapshotId).toBeTruthy();
		expect(e2b.machine.sandboxes.get(sandboxId)?.state).toBe("paused");

		// Each session was handled once: later watch passes add no jobs.
		await new Promise((resolve) => setTimeout(resolve, 2000));
		const [jobs] = await raw<{ count: number }[]>`
			select count(*)::int as count from outbox where kind in ('session-idle-check', 'session-expiry')`;
		expect(jobs?.count).toBe(3);
	}, 300_000);

	it("boots a new session whose gateway died before booting it, and sends its initial prompt once", async () => {
		// What a create leaves when its gateway dies right after writing the row: `starting`, no hub.
		const created = await sessions.createSession(services(), {
			organizationId,
			repoId,
			createdBy: userId,
			initialPrompt: "What does this repository do?",
		});
		await sessionStatus(created.id, "running");
		const key = `${redisInfo.prefix}:events:${created.id}`;
		const userMessages = await until("the initial prompt in the log", async () => {
			const entries = await redisClient().xrange(key, "-", "+");
			const prompts = entries
				.map(([, fields]) => JSON.parse(fields[1] ?? "{}") as { type?: string; role?: string; text?: string })
				.filter((event) => event.type === "message.started" && event.role === "user");
			return prompts.length > 0 ? prompts : undefined;
		});
		expect(userMessages).toEqual([expect.objectContaining({ text: "What does this repository do?" })]);
		// The adopting gateway serves it now; free the fake's ports for the next case.
		const token = await signUserToken({ userId, organizationId }, userSecret);
		await createGatewayHttpClient({ baseUrl: survivor.url, auth: { type: "token", token } }).terminate(
			created.id,
		);
		await sessionStatus(created.id, "stopped");
		const entries = await redisClient().xrange(key, "-", "+");
		const again = entries.filter(([, fields]) => (fields[1] ?? "").includes('"role":"user"'));
		expect(again).toHaveLength(1);
	}, 300_000);

	it("lets only platform services supervise, and only their organization's sessions", async () => {
		const gateway = survivor;
		const [session] = await raw<
			{ id: string }[]
		>`select id from sessions where organization_id = ${organizationId} limit 1`;
		const sessionId = session?.id ?? "";
		const call = async (token: string, body: unknown, organization = organizationId) =>
			fetch(`${gateway.url}/sessions/${sessionId}/supervise`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${token}`,
					"content-type": "application/json",
					"x-organization-id": organization,
				},
				body: JSON.stringify(body),
			});
		const user = await signUserToken({ userId, organizationId }, userSecret);
		const userCall = await call(user, { check: "idle" });
		expect(userCall.status).toBe(403);
		expect(await userCall.json()).toMatchObject({ error: { code: "SERVICE_ONLY" } });
		const service = await signServiceToken({ service: "worker", organizationId }, serviceSecret);
		expect((await call(service, { check: "sideways" })).status).toBe(400);
		const otherOrg = await signServiceToken(
			{ service: "worker", organizationId: otherOrganizationId },
			serviceSecret,
		);
		expect((await call(otherOrg, { check: "idle" }, otherOrganizationId)).status).toBe(404);
		const forged = await signServiceToken(
			{ service: "worker", organizationId },
			testSecret("not-the-secret"),
		);
		expect((await call(forged, { check: "idle" })).status).toBe(401);
		// A paused session asked again: nothing to do.
		const again = await call(service, { check: "idle" });
		expect(again.status).toBe(200);
		expect(await again.json()).toMatchObject({ action: "none" });
	});
});
