import type { MessageSource } from "@proliferate/shared";
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
import { organizations, users } from "./organizations";
import { repos } from "./repos";

export const sessionStatus = pgEnum("session_status", [
	"starting",
	"running",
	"paused",
	"migrating",
	"stopped",
	"failed",
]);
export const sessionKind = pgEnum("session_kind", ["setup", "coding", "automation"]);
export const sandboxProviderKind = pgEnum("sandbox_provider_kind", ["local", "e2b", "modal"]);
export const sandboxState = pgEnum("sandbox_state", [
	"creating",
	"running",
	"paused",
	"terminated",
	"failed",
]);

/** A coding session: metadata only. Message content lives in OpenCode and the gateway's event log. */
export const sessions = pgTable(
	"sessions",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		repoId: uuid().references(() => repos.id, { onDelete: "set null" }),
		createdBy: text().references(() => users.id, { onDelete: "set null" }),
		title: text().notNull().default("Untitled session"),
		kind: sessionKind().notNull().default("coding"),
		status: sessionStatus().notNull().default("starting"),
		/** Human-readable reason for the current status (why it failed or paused). */
		statusReason: text(),
		branch: text(),
		modelId: text(),
		initialPrompt: text(),
		sandboxProvider: sandboxProviderKind().notNull().default("local"),
		/** The sandbox currently serving the session (sandboxes.id). */
		sandboxId: uuid(),
		/** Snapshot to resume from (the latest pause or save). */
		snapshotId: text(),
		/** The OpenCode session id inside the sandbox. */
		agentSessionId: text(),
		clientSource: text().$type<MessageSource>().notNull().default("web"),
		idleTimeoutSeconds: integer(),
		lastActivityAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		pausedAt: timestamp({ withTimezone: true }),
		endedAt: timestamp({ withTimezone: true }),
		metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		index("sessions_organization_idx").on(table.organizationId, table.createdAt),
		index("sessions_repo_idx").on(table.repoId),
		index("sessions_status_idx").on(table.status),
	],
);

/** A provider sandbox. One session uses a sequence of sandboxes over its life (migration, resume). */
export const sandboxes = pgTable(
	"sandboxes",
	{
		id: uuid().primaryKey().defaultRandom(),
		/** Null while the sandbox waits in the warm pool. */
		organizationId: text().references(() => organizations.id, { onDelete: "cascade" }),
		sessionId: uuid().references(() => sessions.id, { onDelete: "set null" }),
		provider: sandboxProviderKind().notNull(),
		/** The provider's own id for the sandbox. */
		providerSandboxId: text().notNull(),
		state: sandboxState().notNull().default("creating"),
		stateReason: text(),
		expiresAt: timestamp({ withTimezone: true }),
		/** Exposed port URLs and egress URLs as last reported by the provider. */
		endpoints: jsonb().$type<Record<string, string>>().notNull().default({}),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		terminatedAt: timestamp({ withTimezone: true }),
	},
	(table) => [
		uniqueIndex("sandboxes_provider_id_unique").on(table.provider, table.providerSandboxId),
		index("sandboxes_session_idx").on(table.sessionId),
		index("sandboxes_organization_idx").on(table.organizationId),
	],
);

/** Links a session to the integration connections it may use (token resolution). */
export const sessionConnections = pgTable(
	"session_connections",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		sessionId: uuid()
			.notNull()
			.references(() => sessions.id, { onDelete: "cascade" }),
		integrationId: text().notNull(),
		createdAt: createdAt(),
	},
	(table) => [
		uniqueIndex("session_connections_session_integration_unique").on(table.sessionId, table.integrationId),
	],
);
