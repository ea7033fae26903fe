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
import { createdAt } from "./columns";
import { organizations } from "./organizations";

export const idempotencyKeyStatus = pgEnum("idempotency_key_status", ["pending", "completed"]);

/**
 * Idempotency keys of gateway calls (`Idempotency-Key` header), one row per (organization, scope,
 * key). The unique index is the claim: the first request inserts the row, a duplicate conflicts
 * (and, while the first's transaction is open, waits for it). A completed row holds the first
 * response, answered again to every repeat with the same request hash until `expiresAt`.
 */
export const idempotencyKeys = pgTable(
	"idempotency_keys",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		/** What the key is for: `sessions.create`, or `sessions.message:<sessionId>`. */
		scope: text().notNull(),
		key: text().notNull(),
		/** SHA-256 of the request body (canonical JSON); a repeat with another body is refused. */
		requestHash: text().notNull(),
		status: idempotencyKeyStatus().notNull().default("pending"),
		/** A pending claim may be taken over after this time (its holder died mid-request). */
		lockedUntil: timestamp({ withTimezone: true }),
		responseStatus: integer(),
		responseBody: jsonb().$type<unknown>(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		createdAt: createdAt(),
	},
	(table) => [
		uniqueIndex("idempotency_keys_scope_key_unique").on(table.organizationId, table.scope, table.key),
		index("idempotency_keys_expires_at_idx").on(table.expiresAt),
	],
);
