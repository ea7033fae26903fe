import { index, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations, users } from "./organizations";
import { repos } from "./repos";

/** Named sets of secrets ("staging", "ci") an organization attaches to repositories in order. */
export const secretBundles = pgTable(
	"secret_bundles",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		name: text().notNull(),
		description: text().notNull().default(""),
		createdBy: text().references(() => users.id, { onDelete: "set null" }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [uniqueIndex("secret_bundles_organization_name_unique").on(table.organizationId, table.name)],
);

/**
 * One environment variable of an organization. `scope` is where it applies: "organization",
 * "repo:<repo id>" or "bundle:<bundle id>" (the matching column is set too, for cascades); the
 * sealed value is bound to (organization, scope, key), so a value moved to another row fails to open.
 */
export const secrets = pgTable(
	"secrets",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		scope: text().notNull(),
		repoId: uuid().references(() => repos.id, { onDelete: "cascade" }),
		bundleId: uuid().references(() => secretBundles.id, { onDelete: "cascade" }),
		/** Reserved for configuration-scoped secrets (configurations come later); always null today. */
		configurationId: text(),
		key: text().notNull(),
		/** AES-256-GCM sealed value (SecretBox format). */
		sealedValue: text().notNull(),
		/** Which encryption key sealed it: a fingerprint of the key (see secrets-environment.md §4). */
		keyId: text().notNull(),
		description: text().notNull().default(""),
		createdBy: text().references(() => users.id, { onDelete: "set null" }),
		updatedBy: text().references(() => users.id, { onDelete: "set null" }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		uniqueIndex("secrets_organization_scope_key_unique").on(table.organizationId, table.scope, table.key),
		index("secrets_key_id_idx").on(table.keyId),
	],
);

/** A bundle attached to a repository; `position` orders a repository's bundles (later wins). */
export const secretBundleRepos = pgTable(
	"secret_bundle_repos",
	{
		bundleId: uuid()
			.notNull()
			.references(() => secretBundles.id, { onDelete: "cascade" }),
		repoId: uuid()
			.notNull()
			.references(() => repos.id, { onDelete: "cascade" }),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		position: integer().notNull(),
		createdAt: createdAt(),
	},
	(table) => [
		primaryKey({ columns: [table.bundleId, table.repoId] }),
		index("secret_bundle_repos_repo_idx").on(table.repoId, table.position),
	],
);
