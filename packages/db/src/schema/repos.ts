import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations, users } from "./organizations";

export const repoSourceKind = pgEnum("repo_source_kind", ["git_url", "local_path", "github"]);

export const repos = pgTable(
	"repos",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		/** Display name, e.g. "acme/web". Unique within the organization. */
		name: text().notNull(),
		sourceKind: repoSourceKind().notNull(),
		/** Clone URL or absolute local path. */
		url: text().notNull(),
		defaultBranch: text().notNull().default("main"),
		/** "owner/name" on GitHub when the repository lives there (pull requests, GitHub connection). */
		githubFullName: text(),
		createdBy: text().references(() => users.id, { onDelete: "set null" }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		uniqueIndex("repos_organization_name_unique").on(table.organizationId, table.name),
		index("repos_organization_idx").on(table.organizationId),
	],
);
