import { randomBytes } from "node:crypto";
import { runMigrations } from "@proliferate/db/migrate";
import postgres from "postgres";
import { databaseUrlFor, testDatabaseAdminUrl } from "./config";

export { databaseUrlFor, testDatabaseAdminUrl } from "./config";

/**
 * Databases on the machine's PostgreSQL for tests and benches (no vitest import, so scripts outside
 * a test run use it too).
 */
export interface TestDatabase {
	name: string;
	url: string;
	/** Drops the database (terminating any connection left open). */
	drop: () => Promise<void>;
}

/** `<prefix>_<time>_<random>`: unique across runs and checkouts sharing one PostgreSQL. */
export function uniqueDatabaseName(prefix: string): string {
	return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

async function withAdmin<T>(work: (admin: postgres.Sql) => Promise<T>): Promise<T> {
	const admin = postgres(testDatabaseAdminUrl, { max: 1, onnotice: () => {} });
	try {
		return await work(admin);
	} finally {
		await admin.end({ timeout: 5 });
	}
}

/**
 * Creates database `name`, cloned from `template` when given. CREATE DATABASE … TEMPLATE fails while
 * another session is connected to the template, so that is retried briefly.
 */
export async function createDatabase(
	name: string,
	options: { template?: string } = {},
): Promise<TestDatabase> {
	await withAdmin(async (admin) => {
		const statement = options.template
			? `create database "${name}" template "${options.template}"`
			: `create database "${name}"`;
		for (let attempt = 0; ; attempt++) {
			try {
				await admin.unsafe(statement);
				break;
			} catch (error) {
				if (!options.template || attempt >= 20) throw error;
				await new Promise((resolve) => setTimeout(resolve, 100 + attempt * 50));
			}
		}
	});
	return { name, url: databaseUrlFor(name), drop: () => dropDatabase(name) };
}

export function dropDatabase(name: string): Promise<void> {
	return withAdmin(async (admin) => {
		await admin.unsafe(`drop database if exists "${name}" with (force)`);
	});
}

/** A fresh database with every migration applied (benches; tests clone the template instead). */
export async function createMigratedDatabase(prefix: string): Promise<TestDatabase> {
	const database = await createDatabase(uniqueDatabaseName(prefix));
	try {
		await runMigrations(database.url);
	} catch (error) {
		await database.drop().catch(() => {});
		throw error;
	}
	return database;
}
