import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@proliferate/logger";
import { createDb, type DatabaseHandle, orgs, sessions } from "@proliferate/services";
import { LocalDirectoryObjectStore, sessionObjectPrefix } from "@proliferate/storage";
import {
	createTestDatabase,
	createTestRedis,
	type TestDatabase,
	type TestRedis,
	testSecret,
} from "@proliferate/vitest-setup";
import { startWorkerProcess, type WorkerProcess } from "@proliferate/vitest-setup/processes";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteSessionObjects } from "./session-objects";

let root: string;
let database: TestDatabase;
let handle: DatabaseHandle;
let raw: postgres.Sql;
let redis: TestRedis;
let store: LocalDirectoryObjectStore;
let organizationId: string;
let otherOrganizationId: string;
let worker: WorkerProcess | undefined;
const services = () => ({ db: handle.db });
const logger = createLogger({ service: "test", level: "silent" });

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), "session-objects-"));
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 2 });
	raw = postgres(database.url, { max: 1, onnotice: () => {} });
	redis = createTestRedis();
	// The directory the worker's `OBJECT_STORE=local` uses under PROLIFERATE_DATA_DIR.
	store = new LocalDirectoryObjectStore(join(root, "objects"));
	const user = await orgs.createUser(services(), {
		name: "Ada",
		email: "ada@example.test",
		emailVerified: true,
	});
	const organization = await orgs.createOrganization(services(), { name: "Acme", ownerUserId: user.id });
	const other = await orgs.createOrganization(services(), { name: "Other", ownerUserId: user.id });
	organizationId = organization.id;
	otherOrganizationId = other.id;
});

afterAll(async () => {
	await worker?.kill();
	await redis?.cleanup();
	await raw?.end();
	await handle?.close();
	await database?.drop();
	if (root) rmSync(root, { recursive: true, force: true });
});

async function sessionWithObjects(organization: string, count: number) {
	const session = await sessions.createSession(services(), {
		organizationId: organization,
		title: "with objects",
	});
	const prefix = sessionObjectPrefix({ organizationId: organization, sessionId: session.id });
	for (let index = 0; index < count; index++)
		await store.put(`${prefix}artifacts/a${index}/file-${index}.txt`, `object ${index}`);
	return { session, prefix };
}

const keys = async (prefix: string) => (await store.list(prefix, { limit: 1000 })).objects.map((o) => o.key);

describe("a deleted session's objects", () => {
	it("are queued for removal in the deleting transaction and removed by the worker; nothing else is", async () => {
		const doomed = await sessionWithObjects(organizationId, 3);
		const kept = await sessionWithObjects(organizationId, 1);
		const elsewhere = await sessionWithObjects(otherOrganizationId, 1);

		// Another organization's id deletes nothing and queues nothing.
		await expect(
			sessions.deleteSession(services(), {
				organizationId: otherOrganizationId,
				sessionId: doomed.session.id,
			}),
		).rejects.toMatchObject({ code: "SESSION_NOT_FOUND" });
		const [none] = await raw<{ count: number }[]>`select count(*)::int as count from outbox`;
		expect(none?.count).toBe(0);

		await sessions.deleteSession(services(), { organizationId, sessionId: doomed.session.id });
		const rows = await raw<{ kind: string; payload: unknown }[]>`select kind, payload from outbox`;
		expect(rows).toEqual([
			{
				kind: "session-objects-delete",
				payload: { organizationId, sessionId: doomed.session.id },
			},
		]);

		worker = await startWorkerProcess({
			name: "objects",
			logDirectory: root,
			environment: {
				PATH: process.env.PATH ?? "",
				NODE_ENV: "test",
				LOG_LEVEL: "info",
				DATABASE_URL: database.url,
				REDIS_URL: redis.url,
				REDIS_KEY_PREFIX: redis.prefix,
				PROLIFERATE_DATA_DIR: root,
				OBJECT_STORE: "local",
				OUTBOX_POLL_INTERVAL_MS: "50",
				GATEWAY_JWT_SECRET: testSecret("gateway-jwt"),
				SERVICE_TO_SERVICE_SECRET: testSecret("service"),
				WORKER_QUEUES: "session-objects-delete",
			},
		});
		const deadline = Date.now() + 30_000;
		while ((await keys(doomed.prefix)).length > 0) {
			if (Date.now() > deadline) throw new Error(`the objects are still there; log: ${worker.logPath}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(await keys(kept.prefix)).toHaveLength(1);
		expect(await keys(elsewhere.prefix)).toHaveLength(1);
		expect(worker.log()).toContain("a deleted session's objects removed");
	});

	it("survive a repeat: a second run (duplicate delivery, a rerun after a crash) finds nothing to do", async () => {
		const { session, prefix } = await sessionWithObjects(organizationId, 1201);
		const scope = { organizationId, sessionId: session.id };
		// More objects than one listing page: every page goes.
		expect(await deleteSessionObjects({ store, logger }, scope)).toEqual({ deleted: 1201 });
		expect(await keys(prefix)).toHaveLength(0);
		expect(await deleteSessionObjects({ store, logger }, scope)).toEqual({ deleted: 0 });
	});
});
