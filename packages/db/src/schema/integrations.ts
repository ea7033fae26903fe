import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations, users } from "./organizations";

export const integrationProvider = pgEnum("integration_provider", ["github"]);
export const integrationKind = pgEnum("integration_kind", ["github_app", "personal_token"]);

/**
 * An organization's connection to an outside system. Credentials (a token) are sealed with
 * AES-256-GCM under SECRETS_ENCRYPTION_KEY; a GitHub App installation stores only its id and
 * gets short-lived installation tokens on demand.
 */
export const integrationConnections = pgTable(
	"integration_connections",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		provider: integrationProvider().notNull(),
		kind: integrationKind().notNull(),
		/** The account the connection acts as or is installed on (a GitHub user or organization login). */
		accountLogin: text().notNull(),
		/** GitHub App installation id, for `github_app`. */
		externalId: text(),
		/** Sealed token (iv.tag.ciphertext, base64url), for `personal_token`. */
		sealedCredentials: text(),
		/** API base URL (GitHub Enterprise or a test server). */
		apiUrl: text().notNull(),
		createdBy: text().references(() => users.id, { onDelete: "set null" }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		uniqueIndex("integration_connections_org_provider_account_unique").on(
			table.organizationId,
			table.provider,
			table.accountLogin,
		),
		index("integration_connections_org_idx").on(table.organizationId),
	],
);
