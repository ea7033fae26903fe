import { eq, schema } from "@proliferate/db";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceContext } from "../context";
import { createDb, type DatabaseHandle } from "../db/client";
import { idempotency, orgs, sessions } from "../index";

let database: TestDatabase;
let handle: DatabaseHandle;
let context: ServiceContext;
let acmeId: string;
let globexId: string;

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 6 });
	context = { db: handle.db };
	const alice = await orgs.createUser(context, { name: "Alice", email: "alice@acme.test" });
	const bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	acmeId = (await orgs.createOrganization(context, { name: "Acme", ownerUserId: alice.id })).id;
	globexId = (await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id })).id;
});

afterAll(async () => {
	await handle?.close();
	await database?.drop();
});

/** Creates a session in the key's transaction, as `POST /sessions` does. */
function createWithKey(organizationId: string, key: string, title: string, effects: string[] = []) {
	return idempotency.runInTransaction(
		context,
		{ organizationId, scope: "sessions.create", key, request: { title } },
		async (transaction) => {
			const session = await sessions.createSession(transaction, { organizationId, title });
			effects.push(session.id);
			return { status: 201, body: { session } };
		},
	);
}

async function sessionCount(organizationId: string): Promise<number> {
	return (await sessions.listSessions(context, { organizationId })).length;
}

describe("idempotency keys", () => {
	it("answers a repeat with the first response and creates one session", async () => {
		const first = await createWithKey(acmeId, "repeat-1", "one");
		const second = await createWithKey(acmeId, "repeat-1", "one");
		expect(first.replayed).toBe(false);
		expect(second).toMatchObject({ status: 201, replayed: true });
		expect(second.body).toEqual(JSON.parse(JSON.stringify(first.body)));
		expect(await sessionCount(acmeId)).toBe(1);
	});

	it("gives concurrent duplicates one effect: the second waits for the first's transaction", async () => {
		const effects: string[] = [];
		const results = await Promise.all(
			Array.from({ length: 5 }, () => createWithKey(acmeId, "concurrent-1", "burst", effects)),
		);
		expect(effects).toHaveLength(1);
		expect(results.filter((result) => !result.replayed)).toHaveLength(1);
		const ids = new Set(results.map((result) => (result.body as { session: { id: string } }).session.id));
		expect([...ids]).toEqual(effects);
	});

	it("refuses the same key with another body", async () => {
		await createWithKey(acmeId, "reused-1", "first body");
		await expect(createWithKey(acmeId, "reused-1", "second body")).rejects.toMatchObject({
			code: "IDEMPOTENCY_KEY_REUSED",
			kind: "conflict",
		});
	});

	it("keeps organizations apart: the same key in another organization is its own", async () => {
		const acme = await createWithKey(acmeId, "shared-key", "acme");
		const globex = await createWithKey(globexId, "shared-key", "globex");
		expect(globex.replayed).toBe(false);
		const acmeSession = (acme.body as { session: { id: string } }).session.id;
		const globexSession = (globex.body as { session: { id: string; organizationId: string } }).session;
		expect(globexSession.id).not.toBe(acmeSession);
		expect(globexSession.organizationId).toBe(globexId);
	});

	it("rolls the key back with a failed effect, so a retry runs", async () => {
		const failing = idempotency.runInTransaction(
			context,
			{ organizationId: acmeId, scope: "sessions.create", key: "rollback-1", request: { title: "x" } },
			async () => {
				throw new Error("boom");
			},
		);
		await expect(failing).rejects.toThrow("boom");
		expect((await createWithKey(acmeId, "rollback-1", "x")).replayed).toBe(false);
	});

	it("answers IDEMPOTENCY_KEY_IN_FLIGHT while a claimed effect runs, then the stored response; a failure releases the key", async () => {
		const request = {
			organizationId: acmeId,
			scope: "sessions.message:s1",
			key: "message-1",
			request: { content: "hi" },
		};
		let release: () => void = () => {};
		const running = new Promise<void>((resolve) => {
			release = resolve;
		});
		let deliveries = 0;
		const first = idempotency.runWithClaim(context, request, async () => {
			deliveries++;
			await running;
			return { status: 202, body: { messageId: "usr_1" } };
		});
		await new Promise((resolve) => setTimeout(resolve, 100));
		await expect(
			idempotency.runWithClaim(context, request, async () => ({ status: 202, body: {} })),
		).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_IN_FLIGHT" });
		release();
		expect(await first).toEqual({ status: 202, body: { messageId: "usr_1" }, replayed: false });
		expect(await idempotency.runWithClaim(context, request, async () => ({ status: 500, body: {} }))).toEqual(
			{
				status: 202,
				body: { messageId: "usr_1" },
				replayed: true,
			},
		);
		expect(deliveries).toBe(1);

		const failed = { ...request, key: "message-2" };
		await expect(
			idempotency.runWithClaim(context, failed, async () => {
				throw new Error("agent down");
			}),
		).rejects.toThrow("agent down");
		expect(
			(await idempotency.runWithClaim(context, failed, async () => ({ status: 202, body: {} }))).replayed,
		).toBe(false);
	});

	it("expires keys after 24 h: an expired key acts again, and the prune deletes expired rows", async () => {
		await createWithKey(acmeId, "expiring-1", "old");
		const table = schema.idempotencyKeys;
		await handle.db
			.update(table)
			.set({ expiresAt: new Date(Date.now() - 1000) })
			.where(eq(table.key, "expiring-1"));
		const again = await createWithKey(acmeId, "expiring-1", "old");
		expect(again.replayed).toBe(false);

		const before = await handle.db.select().from(table);
		const expiresIn = (before.find((row) => row.key === "expiring-1")?.expiresAt.getTime() ?? 0) - Date.now();
		expect(expiresIn).toBeGreaterThan(idempotency.IDEMPOTENCY_KEY_TTL_MS - 60_000);
		expect(expiresIn).toBeLessThanOrEqual(idempotency.IDEMPOTENCY_KEY_TTL_MS);

		expect(await idempotency.pruneExpiredUnscoped(context, new Date())).toBe(0);
		const deleted = await idempotency.pruneExpiredUnscoped(
			context,
			new Date(Date.now() + idempotency.IDEMPOTENCY_KEY_TTL_MS + 1000),
		);
		expect(deleted).toBe(before.length);
		expect(await handle.db.select().from(table)).toEqual([]);
	});
});
