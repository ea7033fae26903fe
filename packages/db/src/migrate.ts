import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

/** Built from the module path (not `new URL("../drizzle", …)`) so bundlers such as Next.js do not try to inline the folder. */
export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), "..", "drizzle");

/** Applies every committed migration (idempotent; serialised by drizzle's migrations table + an advisory lock). */
export async function runMigrations(url: string): Promise<void> {
	const client = postgres(url, { max: 1, onnotice: () => {} });
	try {
		await client`select pg_advisory_lock(727274)`;
		await migrate(drizzle(client), { migrationsFolder });
	} finally {
		await client`select pg_advisory_unlock(727274)`.catch(() => {});
		await client.end({ timeout: 5 });
	}
}
