import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { E2BSandboxProvider } from "@proliferate/sandbox";
import { type FakeE2bServer, startFakeE2bServer } from "@proliferate/sandbox/testing";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DatabaseHandle } from "../db/client";
import { orgs, warmPool } from "../index";

const root = mkdtempSync(join(tmpdir(), "warm-pool-"));
let database: TestDatabase;
let handle: DatabaseHandle;
let context: { db: DatabaseHandle["db"] };
let fake: FakeE2bServer;
let provider: E2BSandboxProvider;
let acme: orgs.Organization;
let globex: orgs.Organization;

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 6 });
	context = { db: handle.db };
	fake = await startFakeE2bServer({ root: join(root, "cloud"), templates: ["proliferate"] });
	provider = new E2BSandboxProvider({
		apiKey: fake.apiKey,
		template: "proliferate",
		apiUrl: fake.url,
		sandboxUrl: fake.url,
		retries: 0,
	});
	const alice = await orgs.createUser(context, { name: "Alice", email: "alice@acme.test" });
	const bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	acme = await orgs.createOrganization(context, { name: "Acme", ownerUserId: alice.id });
	globex = await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id });
});

afterAll(async () => {
	await fake?.close();
	await handle?.close();
	await database?.drop();
	rmSync(root, { recursive: true, force: true });
});

const running = () => [...fake.machine.sandboxes.values()].filter((record) => record.state === "running");

describe("warm pool", () => {
	it("fills a pool to its size once, however often it is refilled", async () => {
		const spec = { poolKey: warmPool.warmPoolKey("e2b"), size: 3 };
		const first = await warmPool.refillWarmPool(context, provider, spec);
		expect(first).toMatchObject({ created: 3, failed: 0, size: 3 });
		const again = await Promise.all([
			warmPool.refillWarmPool(context, provider, spec),
			warmPool.refillWarmPool(context, provider, spec),
		]);
		expect(again.map((result) => result.created)).toEqual([0, 0]);
		expect(await warmPool.warmPoolStats(context, spec.poolKey)).toMatchObject({ ready: 3, warming: 0 });
	});

	it("hands each ready sandbox to exactly one of many concurrent claimers", async () => {
		const poolKey = warmPool.warmPoolKey("e2b");
		const sessions = Array.from({ length: 5 }, () => randomUUID());
		const claims = await Promise.all(
			sessions.map((sessionId) =>
				warmPool.claimWarmSandbox(context, { poolKey, organizationId: acme.id, sessionId }),
			),
		);
		const won = claims.filter((claim) => claim !== null);
		expect(won).toHaveLength(3);
		expect(new Set(won.map((claim) => claim?.handle.sandboxId)).size).toBe(3);
		for (const claim of won) {
			if (!claim) continue;
			expect(claim.provider).toBe("e2b");
			expect(claim.handle.expiresAt).toBeInstanceOf(Date);
			expect((await provider.exec(claim.handle.sandboxId, "pwd")).stdout).toBe(
				`${claim.handle.workspaceDir}\n`,
			);
		}
		expect(await warmPool.warmPoolStats(context, poolKey)).toMatchObject({ ready: 0, claimed: 3 });
		expect(
			await warmPool.claimWarmSandbox(context, { poolKey, organizationId: acme.id, sessionId: randomUUID() }),
		).toBe(null);
	});

	it("keeps repository pools to their organization", async () => {
		const poolKey = warmPool.warmPoolKey("e2b", "repo-1");
		expect(poolKey).toBe("e2b:repo:repo-1");
		await warmPool.refillWarmPool(context, provider, { poolKey, size: 1, organizationId: acme.id });
		expect(
			await warmPool.claimWarmSandbox(context, {
				poolKey,
				organizationId: globex.id,
				sessionId: randomUUID(),
			}),
		).toBe(null);
		expect(
			await warmPool.claimWarmSandbox(context, { poolKey, organizationId: acme.id, sessionId: randomUUID() }),
		).not.toBe(null);
	});

	it("frees the slot of a failed creation and reports it", async () => {
		const poolKey = "e2b:failing";
		fake.failNext(/^POST \/v2\/sandboxes$/, 500, 2);
		const result = await warmPool.refillWarmPool(context, provider, { poolKey, size: 3, concurrency: 1 });
		expect(result).toMatchObject({ created: 1, failed: 2, size: 1 });
		expect(await warmPool.warmPoolStats(context, poolKey)).toMatchObject({ ready: 1, warming: 0 });
	});

	it("retires sandboxes too close to the end of their lifetime instead of handing them out", async () => {
		const poolKey = "e2b:short-lived";
		await warmPool.refillWarmPool(context, provider, {
			poolKey,
			size: 2,
			createOptions: { lifetimeSeconds: 120 },
			minRemainingSeconds: 0,
		});
		const before = running().length;
		expect(
			await warmPool.claimWarmSandbox(context, {
				poolKey,
				organizationId: acme.id,
				sessionId: randomUUID(),
				minRemainingSeconds: 600,
			}),
		).toBe(null);
		const result = await warmPool.refillWarmPool(context, provider, {
			poolKey,
			size: 0,
			minRemainingSeconds: 600,
		});
		expect(result).toMatchObject({ retired: 2, size: 0 });
		expect(running().length).toBe(before - 2);
		expect(await warmPool.drainWarmPool(context, provider, poolKey)).toBe(0);
	});
});

describe("per-organization sandbox provider", () => {
	it("stores, reads and clears the override", async () => {
		expect(await orgs.getSandboxProviderOverride(context, { organizationId: acme.id })).toBe(null);
		await orgs.setSandboxProviderOverride(context, { organizationId: acme.id, provider: "modal" });
		expect(await orgs.getSandboxProviderOverride(context, { organizationId: acme.id })).toBe("modal");
		expect(await orgs.getSandboxProviderOverride(context, { organizationId: globex.id })).toBe(null);
		expect(orgs.resolveSandboxProviderType("e2b", "modal")).toBe("modal");
		expect(orgs.resolveSandboxProviderType("e2b", null)).toBe("e2b");
		await orgs.setSandboxProviderOverride(context, { organizationId: acme.id, provider: null });
		expect(await orgs.getSandboxProviderOverride(context, { organizationId: acme.id })).toBe(null);
	});

	it("refuses unknown providers and unknown organizations", async () => {
		await expect(
			orgs.setSandboxProviderOverride(context, { organizationId: acme.id, provider: "mainframe" }),
		).rejects.toMatchObject({ kind: "invalid_input", code: "SANDBOX_PROVIDER_INVALID" });
		await expect(
			orgs.setSandboxProviderOverride(context, {
				organizationId: "org-that-does-not-exist",
				provider: "e2b",
			}),
		).rejects.toMatchObject({ kind: "not_found" });
	});
});
