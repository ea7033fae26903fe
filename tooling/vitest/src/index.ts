import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import postgres from "postgres";
import { inject } from "vitest";
import { databaseUrlFor, testDatabaseAdminUrl, testRedisUrl } from "./config";

export { testRedisUrl } from "./config";
export { createTcpRelay, type TcpRelay } from "./tcp-relay";

export interface TestDatabase {
	name: string;
	url: string;
	/** Drops the database (terminating any connection left open). */
	drop: () => Promise<void>;
}

/** A fresh, fully migrated database for one test file (cloned from the migrated template). */
export async function createTestDatabase(): Promise<TestDatabase> {
	const template = inject("templateDatabase");
	const name = `proliferate_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
	const admin = postgres(testDatabaseAdminUrl, { max: 1, onnotice: () => {} });
	try {
		// CREATE DATABASE … TEMPLATE fails while another session is connected to the template; retry briefly.
		for (let attempt = 0; ; attempt++) {
			try {
				await admin.unsafe(`create database "${name}" template "${template}"`);
				break;
			} catch (error) {
				if (attempt >= 20) throw error;
				await new Promise((resolve) => setTimeout(resolve, 100 + attempt * 50));
			}
		}
	} finally {
		await admin.end({ timeout: 5 });
	}
	return {
		name,
		url: databaseUrlFor(name),
		drop: async () => {
			const cleanup = postgres(testDatabaseAdminUrl, { max: 1, onnotice: () => {} });
			try {
				await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
			} finally {
				await cleanup.end({ timeout: 5 });
			}
		},
	};
}

export interface TestRedis {
	url: string;
	/** A key prefix unique to this test file; every key and queue the test makes goes under it. */
	prefix: string;
	/** Deletes every key under the prefix. */
	cleanup: () => Promise<void>;
}

export function createTestRedis(): TestRedis {
	const prefix = `test-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
	return {
		url: testRedisUrl,
		prefix,
		cleanup: async () => {
			const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
			try {
				let cursor = "0";
				do {
					const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
					cursor = next;
					if (keys.length > 0) await redis.unlink(...keys);
				} while (cursor !== "0");
			} finally {
				redis.disconnect();
			}
		},
	};
}

/** Secrets of the right shape for tests (never used outside tests). */
export function testSecret(label: string): string {
	return `test-secret-${label}-`.padEnd(48, "x");
}

declare module "vitest" {
	export interface ProvidedContext {
		templateDatabase: string;
	}
}
