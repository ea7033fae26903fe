import { sql } from "drizzle-orm";
import {
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uniqueIndex,
	uuid,
} from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations } from "./organizations";

export const outboxStatus = pgEnum("outbox_status", ["pending", "processing", "dispatched", "failed"]);

/**
 * The transactional outbox: work caused by a state change, written in the same transaction as the
 * change. The worker's dispatcher claims due `pending` rows with `FOR UPDATE SKIP LOCKED`, hands each
 * to BullMQ (or runs it inline) and marks it `dispatched`; a claim is a lease (`claimedUntil`) with a
 * fresh `claimToken`, so a dispatcher whose lease ran out can no longer write the row.
 */
export const outbox = pgTable(
	"outbox",
	{
		id: uuid().primaryKey().defaultRandom(),
		/** The organization the work is for; null for deployment-wide work (sweepers). */
		organizationId: text().references(() => organizations.id, { onDelete: "cascade" }),
		/** A job name of the queue catalog. */
		kind: text().notNull(),
		payload: jsonb().$type<unknown>().notNull(),
		status: outboxStatus().notNull().default("pending"),
		/** Claims so far (each claim counts, including those whose dispatcher died). */
		attempts: integer().notNull().default(0),
		maxAttempts: integer().notNull().default(10),
		/** Not dispatched before this time (retries back off by moving it). */
		availableAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		claimToken: uuid(),
		claimedBy: text(),
		claimedUntil: timestamp({ withTimezone: true }),
		lastError: text(),
		/** Writing the same key twice keeps the first row (idempotent producers). */
		dedupeKey: text(),
		dispatchedAt: timestamp({ withTimezone: true }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		index("outbox_due_idx").on(table.availableAt).where(sql`${table.status} = 'pending'`),
		index("outbox_processing_idx").on(table.claimedUntil).where(sql`${table.status} = 'processing'`),
		index("outbox_status_idx").on(table.status, table.createdAt),
		uniqueIndex("outbox_dedupe_key_unique").on(table.dedupeKey),
	],
);
