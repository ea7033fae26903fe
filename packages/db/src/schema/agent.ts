import { bigint, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { organizations } from "./organizations";
import { repos } from "./repos";
import { sessions } from "./sessions";

/** Evidence the agent stored with the `verify` tool (files live in object storage). */
export const sessionArtifacts = pgTable(
	"session_artifacts",
	{
		id: uuid().primaryKey().defaultRandom(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		sessionId: uuid()
			.notNull()
			.references(() => sessions.id, { onDelete: "cascade" }),
		name: text().notNull(),
		contentType: text().notNull(),
		sizeBytes: bigint({ mode: "number" }).notNull(),
		storageKey: text().notNull(),
		kind: text().$type<"screenshot" | "file" | "log" | "report">().notNull().default("file"),
		/** The tool call that stored it (de-duplicates retried calls). */
		toolCallId: text(),
		createdAt: createdAt(),
	},
	(table) => [
		index("session_artifacts_session_idx").on(table.sessionId),
		uniqueIndex("session_artifacts_tool_call_name_unique").on(table.sessionId, table.toolCallId, table.name),
	],
);

export interface ServiceCommand {
	name: string;
	command: string;
	cwd?: string;
	/** Port the service listens on (sandbox-mcp sets PORT and can expose it). */
	port?: number;
}

export interface EnvFileSpec {
	path: string;
	keys: { key: string; required: boolean }[];
}

/** What setup sessions learned about a repository: how to start its services, which env files it needs. */
export const repoConfigs = pgTable("repo_configs", {
	repoId: uuid()
		.primaryKey()
		.references(() => repos.id, { onDelete: "cascade" }),
	organizationId: text()
		.notNull()
		.references(() => organizations.id, { onDelete: "cascade" }),
	serviceCommands: jsonb().$type<ServiceCommand[]>().notNull().default([]),
	envFiles: jsonb().$type<EnvFileSpec[]>().notNull().default([]),
	updatedAt: updatedAt(),
});
