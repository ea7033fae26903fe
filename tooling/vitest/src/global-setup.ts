import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { migrationsFolder, runMigrations } from "@proliferate/db/migrate";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import "./index";
import { databaseUrlFor, testDatabaseAdminUrl } from "./config";

/**
 * Builds one migrated template database per set of migrations. Each test file then clones it
 * (`CREATE DATABASE … TEMPLATE …`), which is far faster than migrating per file.
 */
function migrationsHash(): string {
	const hash = createHash("sha256");
	for (const file of readdirSync(migrationsFolder).sort()) {
		if (file.endsWith(".sql")) hash.update(file).update(readFileSync(join(migrationsFolder, file)));
	}
	hash.update(readFileSync(join(migrationsFolder, "meta", "_journal.json")));
	return hash.digest("hex").slice(0, 12);
}

export default async function setup({ provide }: TestProject) {
	const templateName = `proliferate_template_${migrationsHash()}`;
	const admin = postgres(testDatabaseAdminUrl, { max: 1, onnotice: () => {} });
	try {
		await admin`select pg_advisory_lock(918273)`;
		const existing = await admin`select datistemplate from pg_database where datname = ${templateName}`;
		if (existing.length === 0) {
			const building = `${templateName}_building`;
			await admin.unsafe(`drop database if exists "${building}"`);
			await admin.unsafe(`create database "${building}"`);
			await runMigrations(databaseUrlFor(building));
			await admin.unsafe(`alter database "${building}" rename to "${templateName}"`);
			await admin.unsafe(`alter database "${templateName}" with is_template true`);
		}
		// Drop templates of older migration sets and databases left by crashed test runs (over a day old is not tracked; keep simple: by prefix).
		// Several checkouts (git worktrees) may test against one PostgreSQL at once with different
		// migration sets; PROLIFERATE_KEEP_TEST_TEMPLATES=1 keeps their templates alive.
		const stale =
			process.env.PROLIFERATE_KEEP_TEST_TEMPLATES === "1"
				? []
				: await admin`select datname from pg_database where datname like 'proliferate_template_%' and datname <> ${templateName} and datname not like '%_building'`;
		for (const row of stale) {
			await admin.unsafe(`alter database "${row.datname}" with is_template false`).catch(() => {});
			await admin.unsafe(`drop database if exists "${row.datname}"`).catch(() => {});
		}
	} finally {
		await admin`select pg_advisory_unlock(918273)`.catch(() => {});
		await admin.end({ timeout: 5 });
	}
	provide("templateDatabase", templateName);
}
