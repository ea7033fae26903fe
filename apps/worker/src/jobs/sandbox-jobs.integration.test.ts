import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@proliferate/logger";
import { createRedisConnection } from "@proliferate/queue";
import { E2BSandboxProvider, SandboxProviderRegistry } from "@proliferate/sandbox";
import { LocalSandboxProvider } from "@proliferate/sandbox/local";
import { type FakeE2bServer, startFakeE2bServer } from "@proliferate/sandbox/testing";
import { createDb, type DatabaseHandle, orgs, sandboxes, sessions, warmPool } from "@proliferate/services";
import { type SandboxProviderType, sessionOwnerLeaseKey } from "@proliferate/shared";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
} from "@proliferate/vitest-setup";
import type { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxJobsDeps, sandboxJobHandlers } from "./sandbox-jobs";

const root = mkdtempSync(join(tmpdir(), "sandbox-jobs-"));
const logger = createLogger({ service: "sandbox-jobs-test", level: "silent" });
let database: TestDatabase;
let handle: DatabaseHandle;
let raw: postgres.Sql;
let redis: TestRedis;
let connection: Redis;
let fake: FakeE2bServer;
let local: LocalSandboxProvider;
let e2b: E2BSandboxProvider;
let registry: SandboxProviderRegistry;
let organizationId: string;

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 6 });
	raw = postgres(database.url, { max: 1, onnotice: () => {} });
	redis = createTestRedis();
	connection = createRedisConnection(redis.url);
	fake = await startFakeE2bServer({ root: join(root, "cloud"), templates: ["proliferate"] });
	local = new LocalSandboxProvider({ dataDirectory: join(root, "data") });
	e2b = new E2BSandboxProvider({
		apiKey: fake.apiKey,
		template: "proliferate",
		apiUrl: fake.url,
		sandboxUrl: fake.url,
		retries: 0,
	});
	registry = new SandboxProviderRegistry({ defaultProvider: "e2b" }, { local, e2b });
	const owner = await orgs.createUser(services(), { name: "Ada", email: "ada@sweep.test" });
	organizationId = (await orgs.createOrganization(services(), { name: "Sweep", ownerUserId: owner.id })).id;
});

afterAll(async () => {
	for (const meta of local?.sandboxMetas() ?? []) await local.terminate(meta.sandboxId);
	await local?.shutdown();
	await fake?.close();
	connection?.disconnect();
	await redis?.cleanup();
	await raw?.end();
	await handle?.close();
	await database?.drop();
	rmSync(root, { recursive: true, force: true });
});

const services = () => ({ db: handle.db });

function handlers(overrides: Partial<SandboxJobsDeps> = {}) {
	const deps: SandboxJobsDeps = {
		providers: registry,
		types: ["local", "e2b"] satisfies SandboxProviderType[],
		redis: connection,
		redisPrefix: redis.prefix,
		orphanGraceMs: 3600_000,
		snapshotRetentionDays: 7,
		warmPool: { size: 3, lifetimeSeconds: 3600 },
		...overrides,
	};
	const all = sandboxJobHandlers({ ...deps, services: services(), logger });
	const job = {} as never;
	return {
		sweep: () => all["sandbox-sweep"]?.({}, job) as Promise<Record<string, number>>,
		snapshots: (olderThanDays?: number) =>
			all["snapshot-cleanup"]?.({ olderThanDays }, job) as Promise<Record<string, number>>,
		refill: () => all["warm-pool-refill"]?.({}, job) as Promise<warmPool.RefillResult[]>,
	};
}

/** A session in `status` served by a fresh sandbox of `provider`, recorded as the gateway does. */
async function sessionWithSandbox(status: "running" | "stopped", provider: "local" | "e2b" = "local") {
	const session = await sessions.createSession(services(), { organizationId, sandboxProvider: provider });
	const sandbox = await registry.get(provider).createSandbox({ sessionId: session.id, organizationId });
	const record = await sandboxes.recordSandbox(services(), {
		organizationId,
		sessionId: session.id,
		provider,
		providerSandboxId: sandbox.sandboxId,
		state: "running",
		expiresAt: sandbox.expiresAt,
		endpoints: {},
	});
	await sessions.transitionSession(services(), {
		organizationId,
		sessionId: session.id,
		to: "running",
		fields: { sandboxId: record.id },
	});
	if (status === "stopped")
		await sessions.transitionSession(services(), { organizationId, sessionId: session.id, to: "stopped" });
	return { session, sandboxId: sandbox.sandboxId, record };
}

const recordOf = (id: string) => sandboxes.getSandbox(services(), { organizationId, sandboxId: id });
const sessionOf = (id: string) => sessions.getSession(services(), { organizationId, sessionId: id });

/** Kills a local sandbox's bubblewrap process, as an outside `kill -9` would. */
async function killBehindItsBack(sandboxId: string) {
	const meta = local.sandboxMetas().find((candidate) => candidate.sandboxId === sandboxId);
	if (!meta?.sandboxPid) throw new Error("no sandbox pid");
	process.kill(meta.sandboxPid, "SIGKILL");
	for (let i = 0; i < 100 && (await local.status(sandboxId)).state === "running"; i++)
		await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("sandbox-sweep", () => {
	it("terminates the sandbox of a stopped session and of a deleted one, and marks their records", async () => {
		const stopped = await sessionWithSandbox("stopped");
		const deleted = await sessionWithSandbox("running");
		await sessions.transitionSession(services(), {
			organizationId,
			sessionId: deleted.session.id,
			to: "stopped",
		});
		await sessions.deleteSession(services(), { organizationId, sessionId: deleted.session.id });
		const counts = await handlers().sweep();
		expect(counts).toMatchObject({ terminated: 2, errors: 0, sessionsFailed: 0 });
		expect((await local.status(stopped.sandboxId)).state).toBe("terminated");
		expect((await local.status(deleted.sandboxId)).state).toBe("terminated");
		expect(await recordOf(stopped.record.id)).toMatchObject({
			state: "terminated",
			stateReason: "the session is stopped",
		});
		expect(await recordOf(deleted.record.id)).toMatchObject({
			state: "terminated",
			stateReason: "the session no longer exists",
		});
	});

	it("fails a running session whose sandbox was killed behind its back, and leaves one a gateway owns", async () => {
		const orphaned = await sessionWithSandbox("running");
		const owned = await sessionWithSandbox("running");
		const healthy = await sessionWithSandbox("running");
		await killBehindItsBack(orphaned.sandboxId);
		await killBehindItsBack(owned.sandboxId);
		await connection.set(
			sessionOwnerLeaseKey(redis.prefix, owned.session.id),
			"gw-1|http://gw|1",
			"PX",
			60_000,
		);
		const counts = await handlers().sweep();
		expect(counts).toMatchObject({ sessionsFailed: 1, leftToGateway: 1, errors: 0 });
		const failed = await sessionOf(orphaned.session.id);
		expect(failed.status).toBe("failed");
		expect(failed.statusReason).toMatch(/^the sandbox is gone \(provider reported failed: .*SIGKILL/);
		expect(await recordOf(orphaned.record.id)).toMatchObject({ state: "terminated" });
		expect((await sessionOf(owned.session.id)).status).toBe("running");
		expect(await recordOf(owned.record.id)).toMatchObject({ state: "running" });
		expect((await sessionOf(healthy.session.id)).status).toBe("running");
		expect((await local.status(healthy.sandboxId)).state).toBe("running");
		await connection.del(sessionOwnerLeaseKey(redis.prefix, owned.session.id));
		await sessions.transitionSession(services(), {
			organizationId,
			sessionId: owned.session.id,
			to: "stopped",
		});
	});

	it("gives the same end state, without errors, run twice at once and then again", async () => {
		const stale = await Promise.all([sessionWithSandbox("stopped"), sessionWithSandbox("running")]);
		const killed = stale[1];
		await killBehindItsBack(killed.sandboxId);
		const jobs = handlers();
		const [first, second] = await Promise.all([jobs.sweep(), jobs.sweep()]);
		const third = await jobs.sweep();
		for (const counts of [first, second, third]) expect(counts?.errors).toBe(0);
		// Each change happened once, whichever run made it.
		expect((first?.sessionsFailed ?? 0) + (second?.sessionsFailed ?? 0)).toBe(1);
		expect(third).toMatchObject({ terminated: 0, sessionsFailed: 0 });
		expect((await sessionOf(killed.session.id)).status).toBe("failed");
		for (const { record } of stale) expect((await recordOf(record.id)).state).toBe("terminated");
	});

	it("leaves a record untouched when the provider's status fails, and counts it as an error", async () => {
		const remote = await sessionWithSandbox("running", "e2b");
		fake.failNext(new RegExp(`GET /sandboxes/${remote.sandboxId}$`), 500, 1);
		const counts = await handlers({ types: ["e2b"] }).sweep();
		expect(counts.errors).toBeGreaterThanOrEqual(1);
		expect(counts.sessionsFailed).toBe(0);
		expect((await sessionOf(remote.session.id)).status).toBe("running");
		expect(await recordOf(remote.record.id)).toMatchObject({ state: "running", stateReason: null });
	});

	it("terminates old sandboxes nobody recorded, never warm-pool ones or young ones", async () => {
		const orphan = await e2b.createSandbox({ sessionId: null, organizationId: null });
		const localOrphan = await local.createSandbox({ sessionId: null, organizationId: null });
		await warmPool.refillWarmPool(services(), e2b, { poolKey: warmPool.warmPoolKey("e2b"), size: 1 });
		const [warm] = (await warmPool.warmProviderSandboxIdsUnscoped(services(), "e2b")).values();
		const young = await handlers().sweep();
		expect(young.orphansTerminated).toBe(0);
		const counts = await handlers({ orphanGraceMs: 0 }).sweep();
		expect(counts.orphansTerminated).toBeGreaterThanOrEqual(2);
		expect((await local.status(localOrphan.sandboxId)).state).toBe("terminated");
		expect(fake.machine.sandboxes.get(orphan.sandboxId)?.state).toBe("killed");
		expect(warm && fake.machine.sandboxes.get(warm)?.state).toBe("running");
		await warmPool.drainWarmPool(services(), e2b, warmPool.warmPoolKey("e2b"));
	});
});

describe("warm-pool-refill", () => {
	it("fills the remote pool to its size, never above it with two runs at once", async () => {
		const poolKey = warmPool.warmPoolKey("e2b");
		const jobs = handlers();
		const results = await Promise.all([jobs.refill(), jobs.refill()]);
		const created = results.flat().reduce((sum, result) => sum + result.created, 0);
		expect(created).toBe(3);
		expect(await warmPool.warmPoolStats(services(), poolKey)).toMatchObject({ ready: 3, warming: 0 });
		expect((await jobs.refill())[0]).toMatchObject({ created: 0, size: 3 });
		await warmPool.drainWarmPool(services(), e2b, poolKey);
	});

	it("does nothing for a local default (local pools stay with their gateway)", async () => {
		const localDefault = new SandboxProviderRegistry({ defaultProvider: "local" }, { local, e2b });
		expect(await handlers({ providers: localDefault }).refill()).toEqual([]);
	});
});

describe("snapshot-cleanup", () => {
	it("deletes an old unreferenced snapshot and keeps a referenced one and a young one", async () => {
		const sandbox = await local.createSandbox({ sessionId: null, organizationId: null });
		const home = join(root, "data", "sandboxes", sandbox.sandboxId, "home");
		const ids: string[] = [];
		for (const content of ["old", "referenced", "young"]) {
			writeFileSync(join(home, "marker.txt"), content);
			ids.push((await local.snapshot(sandbox.sandboxId)).snapshotId);
		}
		const [oldId, referencedId, youngId] = ids as [string, string, string];
		const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
		for (const id of [oldId, referencedId])
			utimesSync(join(root, "data", "snapshots", `${id}.tar.gz`), tenDaysAgo, tenDaysAgo);
		const session = await sessions.createSession(services(), { organizationId });
		await raw`update sessions set snapshot_id = ${referencedId}, status = 'stopped' where id = ${session.id}`;
		const jobs = handlers();
		const [first, second] = await Promise.all([jobs.snapshots(), jobs.snapshots()]);
		expect((first?.deleted ?? 0) + (second?.deleted ?? 0)).toBeGreaterThanOrEqual(1);
		expect(first?.errors).toBe(0);
		expect(second?.errors).toBe(0);
		const left = (await local.listSnapshots()).map((snapshot) => snapshot.snapshotId);
		expect(left).not.toContain(oldId);
		expect(left).toContain(referencedId);
		expect(left).toContain(youngId);
		expect(await jobs.snapshots()).toMatchObject({ deleted: 0, keptReferenced: 1 });
		await local.terminate(sandbox.sandboxId);
	});
});
