import { createSilentLogger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import { createDb, llm, orgs, sessions } from "@proliferate/services";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpendMeter } from "./spend-meter";

let database: TestDatabase;
let handle: ReturnType<typeof createDb>;
let broken: ReturnType<typeof createDb>;

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 3 });
	// A real connection string to a database that does not exist: every write fails.
	broken = createDb(database.url.replace(/\/[^/]+$/, "/proliferate_no_such_database"), { max: 1 });
});
afterAll(async () => {
	await broken?.close();
	await handle?.close();
	await database?.drop();
});

const usage = { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 };

describe("spend meter", () => {
	it("keeps spend it could not write and writes it, aggregated, once the database answers", async () => {
		const services: ServiceContext = { db: handle.db };
		const user = await orgs.createUser(services, { name: "Ada", email: "ada@example.test" });
		const organization = await orgs.createOrganization(services, { name: "Acme", ownerUserId: user.id });
		const session = await sessions.createSession(services, { organizationId: organization.id });
		const { virtualKey } = await llm.mintVirtualKey(services, {
			organizationId: organization.id,
			sessionId: session.id,
			budgetUsd: 0.001,
		});
		const record = {
			...virtualKey,
			budgetNanoUsd: llm.usdToNano(0.001),
			expiresAt: null,
			revokedAt: null,
			createdAt: new Date(virtualKey.createdAt),
		};
		const context: ServiceContext = { db: broken.db };
		const meter = new SpendMeter({
			services: context,
			logger: createSilentLogger(),
			flushIntervalMs: 3_600_000,
			flushSize: 1000,
		});
		meter.record({ key: record, model: "demo", deployment: "scripted", usage, costNanoUsd: 400_000 });
		meter.record({ key: record, model: "demo", deployment: "scripted", usage, costNanoUsd: 400_000 });
		await expect(meter.flush()).rejects.toThrow();
		expect(meter.pendingCount).toBe(2);
		// Unwritten spend still counts against the budget: $0.0008 of $0.001, then over it.
		expect(() => meter.assertWithinBudget(record)).not.toThrow();
		meter.record({ key: record, model: "demo", deployment: "scripted", usage, costNanoUsd: 400_000 });
		expect(() => meter.assertWithinBudget(record)).toThrow(llm.KeyBudgetExceededError);

		context.db = handle.db;
		await meter.close();
		expect(meter.pendingCount).toBe(0);
		const page = await llm.listSpendSince(services, { cursor: 0, sessionId: session.id });
		expect(page.entries).toHaveLength(1);
		expect(page.entries[0]).toMatchObject({
			requests: 3,
			inputTokens: 300,
			outputTokens: 30,
			costNanoUsd: 1_200_000,
		});
		// After the write, the total comes from the ledger and still refuses the key.
		expect(meter.keySpent(record.id)).toBe(1_200_000);
		expect(() => meter.assertWithinBudget(record)).toThrow(llm.KeyBudgetExceededError);
	});
});
