import { sql } from "drizzle-orm";
import { boolean, check, index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";

/** Users. Column names follow better-auth's core schema so its Drizzle adapter can use this table. */
export const users = pgTable(
	"users",
	{
		id: text().primaryKey(),
		name: text().notNull(),
		email: text().notNull(),
		emailVerified: boolean().notNull().default(false),
		image: text(),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [uniqueIndex("users_email_unique").on(table.email)],
);

/** Organizations: every platform row belongs to one. */
export const organizations = pgTable(
	"organizations",
	{
		id: text().primaryKey(),
		name: text().notNull(),
		slug: text().notNull(),
		logo: text(),
		metadata: text(),
		/** Whether this is the personal organization created on sign-up. */
		isPersonal: boolean().notNull().default(false),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [uniqueIndex("organizations_slug_unique").on(table.slug)],
);

export const memberRoles = ["owner", "admin", "member"] as const;
export type MemberRole = (typeof memberRoles)[number];

export const members = pgTable(
	"members",
	{
		id: text().primaryKey(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		role: text().$type<MemberRole>().notNull().default("member"),
		createdAt: createdAt(),
	},
	(table) => [
		uniqueIndex("members_organization_user_unique").on(table.organizationId, table.userId),
		index("members_user_idx").on(table.userId),
	],
);

/** Per-organization settings that are not secrets (e.g. sandbox provider override). */
export const organizationSettings = pgTable(
	"organization_settings",
	{
		organizationId: text()
			.primaryKey()
			.references(() => organizations.id, { onDelete: "cascade" }),
		settings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
		/** Sandbox provider for this organization's new sessions; null = the deployment's SANDBOX_PROVIDER. */
		sandboxProvider: text().$type<"local" | "e2b" | "modal">(),
		updatedAt: updatedAt(),
	},
	(table) => [
		check(
			"organization_settings_sandbox_provider_check",
			sql`${table.sandboxProvider} IS NULL OR ${table.sandboxProvider} IN ('local', 'e2b', 'modal')`,
		),
	],
);
