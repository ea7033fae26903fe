import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations } from "./organizations";
import { sessions } from "./sessions";

/**
 * Virtual keys of the LLM proxy. Only the sha256 of the key is stored; `keyPrefix` (the first
 * characters) identifies it to people. Money is in nano-dollars (1e-9 USD) so per-token prices stay exact.
 */
export const llmVirtualKeys = pgTable(
	"llm_virtual_keys",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		/** The session the key was minted for (null for organization-wide keys). */
		sessionId: uuid().references(() => sessions.id, { onDelete: "set null" }),
		name: text().notNull(),
		keyHash: text().notNull(),
		keyPrefix: text().notNull(),
		/** Public model names the key may use; null allows every model of the catalog. */
		allowedModels: text().array(),
		/** Lifetime spending limit of the key; null means no limit of its own. */
		budgetNanoUsd: bigint({ mode: "number" }),
		expiresAt: timestamp({ withTimezone: true }),
		revokedAt: timestamp({ withTimezone: true }),
		createdAt: createdAt(),
	},
	(table) => [
		uniqueIndex("llm_virtual_keys_hash_unique").on(table.keyHash),
		index("llm_virtual_keys_organization_idx").on(table.organizationId, table.createdAt),
		index("llm_virtual_keys_session_idx").on(table.sessionId),
	],
);

/**
 * The spend ledger: one row per (key, model, deployment) per proxy flush. `id` only grows, so billing
 * reads new rows with a cursor (`id > cursor`).
 */
export const llmSpend = pgTable(
	"llm_spend",
	{
		id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		keyId: uuid().references(() => llmVirtualKeys.id, { onDelete: "set null" }),
		sessionId: uuid(),
		/** Public model name the client asked for, and the deployment that answered. */
		model: text().notNull(),
		deployment: text().notNull(),
		requests: integer().notNull(),
		inputTokens: bigint({ mode: "number" }).notNull(),
		outputTokens: bigint({ mode: "number" }).notNull(),
		cacheReadTokens: bigint({ mode: "number" }).notNull(),
		cacheWriteTokens: bigint({ mode: "number" }).notNull(),
		costNanoUsd: bigint({ mode: "number" }).notNull(),
		/**
		 * How many of `requests` were metered from an estimate (the upstream reported no usage, or the
		 * client cancelled before it did): tokens estimated from the request and the streamed content.
		 */
		estimatedRequests: integer().notNull().default(0),
		/** When the first and last request of the row were answered. */
		firstRequestAt: timestamp({ withTimezone: true }).notNull(),
		lastRequestAt: timestamp({ withTimezone: true }).notNull(),
		createdAt: createdAt(),
	},
	(table) => [
		index("llm_spend_organization_idx").on(table.organizationId, table.lastRequestAt),
		index("llm_spend_key_idx").on(table.keyId),
		index("llm_spend_session_idx").on(table.sessionId),
	],
);

/** An organization's monthly LLM budget (calendar month, UTC) across all its keys. */
export const llmOrganizationBudgets = pgTable("llm_organization_budgets", {
	organizationId: text()
		.primaryKey()
		.references(() => organizations.id, { onDelete: "cascade" }),
	monthlyBudgetNanoUsd: bigint({ mode: "number" }).notNull(),
	updatedAt: updatedAt(),
});
