import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsFolder, runMigrations } from "@proliferate/db/migrate";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import "./index";
import { databaseUrlFor, testDatabaseAdminUrl } from "./config";

/** The checkout these tests run from (several checkouts — worktrees, CI clones — share one PostgreSQL). */
const checkoutRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const templatePrefix = "proliferate_template_";
/** Templates named before they were scoped per checkout. */
const legacyTemplateName = /^proliferate_template_[0-9a-f]{12}$/;

function shortHash(...parts: (string | Buffer)[]): string {
	const hash = createHash("sha256");
	for (const part of parts) hash.update(part);
	return hash.digest("hex");
}

function migrationsHash(): string {
	const parts: (string | Buffer)[] = [];
	for (const file of readdirSync(migrationsFolder).sort()) {
		if (file.endsWith(".sql")) parts.push(file, readFileSync(join(migrationsFolder, file)));
	}
	parts.push(readFileSync(join(migrationsFolder, "meta", "_journal.json")));
	return shortHash(...parts).slice(0, 12);
}

/**
 * Builds one migrated template database per checkout and set of migrations
 * (`proliferate_template_<checkout>_<migrations>`, its checkout's path as the database comment).
 * Each test file then clones it (`CREATE DATABASE … TEMPLATE …`), far faster than migrating per file.
 * A run drops only its own checkout's older templates, and those of checkouts whose directory is
 * gone, so checkouts testing at once never pull a template from under each other.
 */
export default async function setup({ provide }: TestProject) {
	const checkout = shortHash(checkoutRoot).slice(0, 10);
	const templateName = `${templatePrefix}${checkout}_${migrationsHash()}`;
	const admin = postgres(testDatabaseAdminUrl, { max: 1, onnotice: () => {} });
	try {
		await admin`select pg_advisory_lock(918273)`;
		const existing = await admin`select datistemplate from pg_database where datname = ${templateName}`;
		if (existing.length === 0) {
			const building = `${templateName}_building`;
			await admin.unsafe(`drop database if exists "${building}" with (force)`);
			await admin.unsafe(`create database "${building}"`);
			await runMigrations(databaseUrlFor(building));
			await admin.unsafe(`alter database "${building}" rename to "${templateName}"`);
			await admin.unsafe(`alter database "${templateName}" with is_template true`);
			await admin.unsafe(`comment on database "${templateName}" is '${checkoutRoot.replace(/'/g, "''")}'`);
		}
		const templates = await admin<{ name: string; checkoutPath: string | null }[]>`
			select datname as name, shobj_description(oid, 'pg_database') as "checkoutPath"
			from pg_database where datname like ${`${templatePrefix}%`} and datname <> ${templateName}`;
		const stale = templates.filter(
			(template) =>
				template.name.startsWith(`${templatePrefix}${checkout}_`) ||
				legacyTemplateName.test(template.name) ||
				(template.checkoutPath !== null && !existsSync(template.checkoutPath)),
		);
		for (const template of stale) {
			await admin.unsafe(`alter database "${template.name}" with is_template false`).catch(() => {});
			await admin.unsafe(`drop database if exists "${template.name}" with (force)`).catch(() => {});
		}
	} finally {
		await admin`select pg_advisory_unlock(918273)`.catch(() => {});
		await admin.end({ timeout: 5 });
	}
	provide("templateDatabase", templateName);
}
