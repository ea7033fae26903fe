import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema>;
/** A transaction handle; every query function accepts either. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type DatabaseOrTransaction = Database | Transaction;

export interface DatabaseHandle {
	db: Database;
	close: () => Promise<void>;
}

export interface CreateDbOptions {
	/** Pool size (default 10). */
	max?: number;
}

/** Creates a Drizzle database over a `postgres` pool. Call `close()` on shutdown. */
export function createDb(url: string, options: CreateDbOptions = {}): DatabaseHandle {
	const client = postgres(url, { max: options.max ?? 10, onnotice: () => {}, connect_timeout: 10 });
	const db = drizzle(client, { schema, casing: "snake_case" });
	return { db, close: () => client.end({ timeout: 5 }) };
}

/** Runs `work` in one transaction; nested calls reuse the outer transaction. */
export async function withTransaction<T>(
	db: DatabaseOrTransaction,
	work: (tx: Transaction) => Promise<T>,
): Promise<T> {
	return db.transaction(work);
}
