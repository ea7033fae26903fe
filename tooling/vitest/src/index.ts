import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { testRedisUrl } from "./config";
import { createDatabase, type TestDatabase, uniqueDatabaseName } from "./databases";

export { testRedisUrl } from "./config";
export {
	createDatabase,
	createMigratedDatabase,
	dropDatabase,
	type TestDatabase,
	uniqueDatabaseName,
} from "./databases";
export { createTcpRelay, type TcpRelay } from "./tcp-relay";

/** A fresh, fully migrated database for one test file (cloned from the migrated template). */
export async function createTestDatabase(): Promise<TestDatabase> {
	return createDatabase(uniqueDatabaseName("proliferate_test"), { template: inject("templateDatabase") });
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
