import { type DatabaseOrTransaction, sql } from "@proliferate/db";

/** The only door to @proliferate/db for the rest of the platform's code. */
export {
	createDb,
	type Database,
	type DatabaseHandle,
	type DatabaseOrTransaction,
	runMigrations,
	type Transaction,
	withTransaction,
} from "@proliferate/db";

/** A round trip to the database (health checks). */
export async function pingDatabase(db: DatabaseOrTransaction): Promise<void> {
	await db.execute(sql`select 1`);
}
