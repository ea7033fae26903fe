import { index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations } from "./organizations";
import { sandboxProviderKind } from "./sessions";

export const warmSandboxState = pgEnum("warm_sandbox_state", ["warming", "ready", "claimed"]);

/**
 * Pre-started sandboxes waiting to be claimed by a session. A pool is named by `poolKey`
 * (provider, plus the repository for repo pools); claiming is one `UPDATE … FOR UPDATE SKIP LOCKED`,
 * so two gateways never get the same sandbox. `warming` rows reserve a slot while the provider
 * creates the sandbox, so concurrent refills do not overfill a pool.
 */
export const warmSandboxes = pgTable(
	"warm_sandboxes",
	{
		id: uuid().primaryKey().defaultRandom(),
		poolKey: text().notNull(),
		provider: sandboxProviderKind().notNull(),
		/** Set once the provider has created the sandbox. */
		providerSandboxId: text(),
		/** Owner of the repository for repo pools; null for scratch pools shared by the deployment. */
		organizationId: text().references(() => organizations.id, { onDelete: "cascade" }),
		state: warmSandboxState().notNull().default("warming"),
		/** The provider's SandboxHandle (paths, ports, egress) as JSON. */
		handle: jsonb().$type<Record<string, unknown>>(),
		expiresAt: timestamp({ withTimezone: true }),
		claimedBySessionId: uuid(),
		claimedAt: timestamp({ withTimezone: true }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		index("warm_sandboxes_pool_state_idx").on(table.poolKey, table.state, table.createdAt),
		uniqueIndex("warm_sandboxes_provider_id_unique").on(table.provider, table.providerSandboxId),
	],
);
