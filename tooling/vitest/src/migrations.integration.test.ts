import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { migrationsFolder, runMigrations } from "@proliferate/db/migrate";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrlFor, testDatabaseAdminUrl } from "./config";

/**
 * Several apps starting at once against one empty database (platform-foundation.md § Threat and
 * fault model): every one of them migrates, the migrations apply exactly once, and a later start is
 * a no-op.
 */
describe("runMigrations started by several apps at once", () => {
	const name = `proliferate_migrate_${randomBytes(4).toString("hex")}`;
	const url = databaseUrlFor(name);
	const admin = postgres(testDatabaseAdminUrl, { max: 1, onnotice: () => {} });
	const migrationCount = readdirSync(migrationsFolder).filter((file) => file.endsWith(".sql")).length;

	beforeAll(async () => {
		await admin.unsafe(`create database "${name}"`);
	});
	afterAll(async () => {
		await admin.unsafe(`drop database if exists "${name}" with (force)`);
		await admin.end({ timeout: 5 });
	});

	async function applied(): Promise<number> {
		const client = postgres(url, { max: 1, onnotice: () => {} });
		try {
			const [row] = await client<{ count: string }[]>`select count(*) from drizzle.__drizzle_migrations`;
			await client`select count(*) from users`;
			return Number(row?.count ?? 0);
		} finally {
			await client.end({ timeout: 5 });
		}
	}

	it("applies every migration exactly once, whoever gets there first", async () => {
		expect(migrationCount).toBeGreaterThan(0);
		const results = await Promise.allSettled([runMigrations(url), runMigrations(url), runMigrations(url)]);
		expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
		expect(await applied()).toBe(migrationCount);
		await runMigrations(url);
		expect(await applied()).toBe(migrationCount);
	});
});
