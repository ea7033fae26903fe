import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createGatewayHttpClient, createSyncClient, type SessionStream } from "@proliferate/gateway-clients";
import { createScriptedModelServer, type ScriptedModelServer } from "@proliferate/scripted-model";
import { createDb, type DatabaseHandle, orgs, repos, sessions } from "@proliferate/services";
import type { SessionEvent } from "@proliferate/shared";
import { signUserToken } from "@proliferate/shared/auth";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import {
	type GatewayProcess,
	runningSandboxBoots,
	startGatewayProcess,
} from "@proliferate/vitest-setup/processes";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { answered, waitFor } from "./testing/platform";

/**
 * Two gateways as separate processes sharing one database, Redis and sandbox directory (one host),
 * with 2 s leases. An owner is stalled (SIGSTOP) past its lease or killed (SIGKILL) mid-turn.
 */
let root: string;
let database: TestDatabase;
let redisInfo: TestRedis;
let handle: DatabaseHandle;
let model: ScriptedModelServer;
let environment: Record<string, string>;
let organizationId: string;
let userId: string;
let repoId: string;
const gateways: GatewayProcess[] = [];
const streams: SessionStream[] = [];
const userSecret = testSecret("gateway-jwt");
const dataDirectory = () => join(root, "data");

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), "ownership-"));
	mkdirSync(join(root, "logs"));
	database = await createTestDatabase();
	redisInfo = createTestRedis();
	handle = createDb(database.url, { max: 3 });
	model = await createScriptedModelServer({});
	const services = { db: handle.db };
	const user = await orgs.createUser(services, {
		name: "Ada",
		email: "ada@example.test",
		emailVerified: true,
	});
	const organization = await orgs.createOrganization(services, { name: "Acme", ownerUserId: user.id });
	const demo = createDemoRepo(join(root, "demo-app"));
	const repo = await repos.createRepo(services, {
		organizationId: organization.id,
		name: "demo-app",
		url: demo.path,
		sourceKind: "local_path",
	});
	organizationId = organization.id;
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
		PROLIFERATE_DATA_DIR: dataDirectory(),
		GATEWAY_JWT_SECRET: userSecret,
		SERVICE_TO_SERVICE_SECRET: testSecret("service"),
		AGENT_LLM_BASE_URL: model.url,
		AGENT_LLM_API_KEY: "scripted-demo",
		SANDBOX_PROVIDER: "local",
		SESSION_IDLE_TIMEOUT_SECONDS: "3600",
		GATEWAY_LEASE_TTL_SECONDS: "2",
	};
}, 120_000);

afterAll(async () => {
	for (const stream of streams) stream.close();
	for (const gateway of gateways) await gateway.stop().catch(() => {});
	await model?.close();
	await handle?.close();
	await redisInfo?.cleanup();
	await database?.drop();
	if (root) rmSync(root, { recursive: true, force: true });
});

async function startGateway(instanceId: string): Promise<GatewayProcess> {
	const gateway = await startGatewayProcess({ instanceId, environment, logDirectory: join(root, "logs") });
	gateways.push(gateway);
	return gateway;
}

async function token(sessionId?: string): Promise<string> {
	return signUserToken({ userId, organizationId, ...(sessionId ? { sessionId } : {}) }, userSecret);
}

function connect(gateway: GatewayProcess, sessionId: string, sessionToken: string) {
	const events: SessionEvent[] = [];
	const stream = createSyncClient({
		baseUrl: gateway.url,
		auth: { type: "token", token: sessionToken },
		source: "web",
		WebSocket: WebSocket as never,
		reconnect: { baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 1000 },
	}).connect(sessionId, { onEvent: (event) => events.push(event) });
	streams.push(stream);
	return { stream, events };
}

const deltaCount = (events: SessionEvent[]) =>
	events.filter((event) => event.type === "message.delta").length;

/** Samples the running boots of every sandbox every 50 ms; `max` is the most seen at once for one sandbox. */
function watchSandboxBoots() {
	let max = 0;
	const timer = setInterval(() => {
		for (const count of runningSandboxBoots(dataDirectory()).values()) max = Math.max(max, count);
	}, 50);
	return {
		get max() {
			return max;
		},
		stop: () => clearInterval(timer),
	};
}

async function startTurn(owner: GatewayProcess, other: GatewayProcess, title: string) {
	const http = createGatewayHttpClient({ baseUrl: owner.url, auth: { type: "token", token: await token() } });
	const { session } = await http.createSession({ repoId, title });
	const sessionToken = await token(session.id);
	// The client knows only the other instance: it is sent to the owner, and finds its way back.
	const client = connect(other, session.id, sessionToken);
	await waitFor(
		() => client.events.some((event) => event.type === "session.status" && event.status === "running"),
		150_000,
		`${title} running`,
	);
	await client.stream.sendPrompt("[script:slow] a long one");
	await waitFor(() => deltaCount(client.events) >= 5, 60_000, "the answer streaming");
	return { session, sessionToken, client };
}

async function readLog(sessionId: string): Promise<SessionEvent[]> {
	const redis = new Redis(redisInfo.url);
	try {
		const entries = await redis.xrange(`${redisInfo.prefix}:events:${sessionId}`, "-", "+");
		return entries.map(([id, fields]) => ({
			...(JSON.parse(fields[1] ?? "{}") as object),
			sessionId,
			seq: Number(id.split("-")[0]),
		})) as SessionEvent[];
	} finally {
		redis.disconnect();
	}
}

function expectInterruptedTurn(events: SessionEvent[]) {
	const started = events.filter((event) => event.type === "message.started" && event.role === "assistant");
	expect(started).toHaveLength(1);
	const [assistant] = started as Extract<SessionEvent, { type: "message.started" }>[];
	const completed = events.find(
		(event): event is Extract<SessionEvent, { type: "message.completed" }> =>
			event.type === "message.completed" && event.messageId === assistant?.messageId,
	);
	expect(completed?.finishReason).toBe("error");
	expect(completed?.error).toMatch(/Interrupted/);
	expect(events.some((event) => event.type === "error" && event.code === "TURN_INTERRUPTED")).toBe(true);
	const deltas = events.flatMap((event) => (event.type === "message.delta" ? [event.delta] : [])).join("");
	expect(completed?.text).toBe(deltas);
}

describe("ownership changes between gateway processes", () => {
	it("SIGSTOP of the owner past its lease: one sandbox at any moment, the session continues on the new owner", async () => {
		const owner = await startGateway("a");
		const other = await startGateway("b");
		const { session, sessionToken, client } = await startTurn(owner, other, "stalled owner");
		const boots = watchSandboxBoots();
		owner.freeze();
		try {
			// Past the lease: someone asks the other instance for the session; it takes it over.
			await new Promise((done) => setTimeout(done, 3000));
			const follower = connect(other, session.id, sessionToken);
			await waitFor(
				() => follower.events.some((event) => event.type === "error" && event.code === "TURN_INTERRUPTED"),
				120_000,
				"the takeover closing the interrupted turn",
			);
			await waitFor(
				() =>
					follower.events.some(
						(event, index) => index > 0 && event.type === "session.status" && event.status === "running",
					),
				120_000,
				"running on the new owner",
			);
			expectInterruptedTurn(follower.events);
			const before = follower.events.at(-1)?.seq ?? 0;
			await follower.stream.sendPrompt("[script:echo] still there?");
			await waitFor(() => answered(follower.events, before), 60_000, "a turn on the new owner");
		} finally {
			owner.resume();
		}
		// The stalled owner wakes: it lets go without touching the sandbox or the session.
		await new Promise((done) => setTimeout(done, 4000));
		const log = await readLog(session.id);
		await waitFor(
			() => client.events.length === log.length,
			60_000,
			"the first client catching up on the new owner",
		);
		expect(client.events).toEqual(log);
		expect(client.events.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
		boots.stop();
		expect(boots.max).toBe(1);
		expect([...runningSandboxBoots(dataDirectory()).values()]).toEqual([1]);
		const stored = await sessions.getSession({ db: handle.db }, { organizationId, sessionId: session.id });
		expect(stored.status).toBe("running");
		const before = client.events.at(-1)?.seq ?? 0;
		await client.stream.sendPrompt("[script:echo] and now?");
		await waitFor(() => answered(client.events, before), 60_000, "a turn after the old owner woke");
		await createGatewayHttpClient({
			baseUrl: other.url,
			auth: { type: "token", token: await token() },
		}).terminate(session.id);
	}, 400_000);

	it("SIGKILL of the owner mid-turn: the new owner ends the turn with a final event and the session goes on", async () => {
		const owner = await startGateway("c");
		const other = gateways.find((gateway) => gateway.instanceId === "b") ?? (await startGateway("b2"));
		const { session, client } = await startTurn(owner, other, "killed owner");
		await owner.kill();
		await waitFor(
			() => client.events.some((event) => event.type === "error" && event.code === "TURN_INTERRUPTED"),
			120_000,
			"the interrupted turn closed by the new owner",
		);
		await waitFor(
			() => client.events.at(-1)?.type === "session.status",
			60_000,
			"a status after the takeover",
		);
		expectInterruptedTurn(client.events);
		const log = await readLog(session.id);
		await waitFor(() => client.events.length >= log.length, 30_000, "the client up to date");
		expect(client.events.map((event) => event.seq)).toEqual(client.events.map((_, index) => index + 1));
		await waitFor(
			() =>
				client.events.some(
					(event, index) => event.type === "session.status" && event.status === "idle" && index > 0,
				),
			60_000,
			"idle",
		);
		const before = client.events.at(-1)?.seq ?? 0;
		await client.stream.sendPrompt("[script:echo] after the crash");
		await waitFor(() => answered(client.events, before), 120_000, "a turn after the crash");
		expect([...runningSandboxBoots(dataDirectory()).values()]).toEqual([1]);
	}, 400_000);
});
