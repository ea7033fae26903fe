/**
 * Gateway throughput and latency with 1,000 simulated sessions.
 * A fake event source publishes `message.delta` events straight into each session's hub (as the
 * OpenCode bridge would); one WebSocket client per session receives them. Reports events/s
 * delivered and the added latency from publish to client receipt (p50/p95/p99).
 */
import { createGateway } from "@proliferate/gateway/create-gateway";
import { createSilentLogger } from "@proliferate/logger";
import { SandboxProviderRegistry } from "@proliferate/sandbox";
import { createDb, orgs, sessions } from "@proliferate/services";
import type { SandboxProvider } from "@proliferate/shared";
import { signUserToken } from "@proliferate/shared/auth";
import { LocalDirectoryObjectStore } from "@proliferate/storage";
import { createMigratedDatabase } from "@proliferate/vitest-setup/databases";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { summarize } from "../stats";

const sessionCount = Number(process.env.BENCH_SESSIONS ?? 1000);
const eventsPerSession = Number(process.env.BENCH_EVENTS ?? 20);
const benchDatabase = await createMigratedDatabase("proliferate_bench");
const database = createDb(benchDatabase.url, { max: 10 });
const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const prefix = `bench-${Date.now().toString(36)}`;
const secrets = { userSecret: "b".repeat(40), serviceSecret: "c".repeat(40) };
const unusedProvider = new Proxy({} as SandboxProvider, {
	get: () => () => Promise.reject(new Error("the benchmark does not boot sandboxes")),
});
const gateway = createGateway({
	services: { db: database.db },
	redis,
	redisPrefix: prefix,
	providers: new SandboxProviderRegistry({ defaultProvider: "local" }, { local: unusedProvider }),
	agent: {
		passwordSecret: "x".repeat(40),
		llmBaseUrl: "http://127.0.0.1:1/v1",
		llmApiKey: "",
		modelId: "demo",
		modelLabel: "demo",
		binaryFileName: "opencode",
	},
	secrets,
	logger: createSilentLogger(),
	instanceId: "bench",
	leaseTtlMs: 60_000,
	objectStore: new LocalDirectoryObjectStore("/tmp/proliferate-bench-objects"),
});
const url = await gateway.listen(0);
const services = { db: database.db };
const user = await orgs.createUser(services, { name: "Bench", email: "bench@example.test" });
const organization = await orgs.createOrganization(services, { name: "Bench", ownerUserId: user.id });
const token = await signUserToken(
	{ userId: user.id, organizationId: organization.id, ttlSeconds: 3600 },
	secrets.userSecret,
);

process.stdout.write(
	`gateway bench: ${sessionCount} sessions × ${eventsPerSession} events, one client each\n`,
);
const sessionIds: string[] = [];
for (let index = 0; index < sessionCount; index++) {
	const session = await sessions.createSession(services, {
		organizationId: organization.id,
		title: `bench ${index}`,
	});
	await sessions.transitionSession(services, {
		organizationId: organization.id,
		sessionId: session.id,
		to: "paused",
	});
	sessionIds.push(session.id);
}

const latencies: number[] = [];
let received = 0;
const expected = sessionCount * eventsPerSession;
let resolveAll: () => void = () => {};
const allReceived = new Promise<void>((resolve) => {
	resolveAll = resolve;
});
const sockets: WebSocket[] = [];
await Promise.all(
	sessionIds.map(
		(sessionId) =>
			new Promise<void>((resolve, reject) => {
				const socket = new WebSocket(
					`${url.replace("http", "ws")}/sessions/${sessionId}/stream?token=${token}`,
				);
				sockets.push(socket);
				socket.on("message", (data) => {
					const frame = JSON.parse(String(data)) as {
						kind: string;
						event?: { type: string; delta?: string };
					};
					if (frame.kind === "ready") resolve();
					if (frame.kind === "event" && frame.event?.type === "message.delta" && frame.event.delta) {
						latencies.push(performance.now() - Number(frame.event.delta));
						if (++received === expected) resolveAll();
					}
				});
				socket.on("error", reject);
			}),
	),
);
process.stdout.write(`  ${sessionCount} clients connected\n`);

const started = performance.now();
await Promise.all(
	sessionIds.map(async (sessionId) => {
		const hub = gateway.hubs.get(sessionId);
		if (!hub) throw new Error(`no hub for ${sessionId}`);
		for (let index = 0; index < eventsPerSession; index++) {
			await hub.publish({
				type: "message.delta",
				messageId: "m",
				partId: "p",
				delta: String(performance.now()),
			});
		}
	}),
);
await allReceived;
const elapsedSeconds = (performance.now() - started) / 1000;
process.stdout.write(
	`  delivered ${received} events in ${elapsedSeconds.toFixed(2)} s = ${Math.round(received / elapsedSeconds)} events/s\n`,
);
process.stdout.write(`  ${summarize("publish → client latency", latencies)}\n`);

// Paced load: every session gets one event per round, rounds 250 ms apart (≈4,000 events/s in bursts).
latencies.length = 0;
const rounds = 10;
for (let round = 0; round < rounds; round++) {
	const target = received + sessionCount;
	const roundDone = new Promise<void>((resolve) => {
		const check = setInterval(() => {
			if (received >= target) {
				clearInterval(check);
				resolve();
			}
		}, 5);
	});
	await Promise.all(
		sessionIds.map((sessionId) =>
			gateway.hubs
				.get(sessionId)
				?.publish({ type: "message.delta", messageId: "m", partId: "p", delta: String(performance.now()) }),
		),
	);
	await roundDone;
	await new Promise((resolve) => setTimeout(resolve, 250));
}
process.stdout.write(`  ${summarize(`paced (${rounds} rounds of ${sessionCount})`, latencies)}\n`);

for (const socket of sockets) socket.terminate();
await gateway.close();
let cursor = "0";
do {
	const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
	cursor = next;
	if (keys.length) await redis.unlink(...keys);
} while (cursor !== "0");
redis.disconnect();
await database.close();
await benchDatabase.drop();
