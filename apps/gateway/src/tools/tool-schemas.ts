import { serviceName } from "@proliferate/shared/sandbox";
import { z } from "zod";

const relativePath = z
	.string()
	.min(1)
	.max(500)
	.refine(
		(value) => !value.startsWith("/") && !value.split("/").includes(".."),
		"must be relative to the workspace, without ..",
	);

/** Inputs of the platform tools (the MCP server in the sandbox forwards the agent's arguments). */
export const toolSchemas = {
	verify: z.object({ folder: relativePath.optional() }),
	save_snapshot: z.object({ message: z.string().max(2000).optional() }),
	save_service_commands: z.object({
		commands: z
			.array(
				z.object({
					name: serviceName,
					command: z.string().min(1).max(1000),
					cwd: relativePath.optional(),
					port: z.number().int().min(1).max(65535).optional(),
				}),
			)
			.min(1)
			.max(10),
	}),
	save_env_files: z.object({
		files: z
			.array(
				z.object({
					path: relativePath,
					keys: z
						.array(
							z.object({
								key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
								required: z.boolean().default(true),
							}),
						)
						.min(1)
						.max(50),
				}),
			)
			.min(1)
			.max(10),
	}),
	automation_complete: z.object({
		run_id: z.string().max(200).optional(),
		outcome: z.enum(["succeeded", "failed", "needs_human"]),
		summary_markdown: z.string().min(1).max(20_000),
		citations: z.array(z.string().max(2000)).max(50).optional(),
	}),
	request_env_variables: z.object({
		keys: z
			.array(
				z.object({
					key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
					description: z.string().max(500).optional(),
					type: z.enum(["env", "secret"]).optional(),
					required: z.boolean().optional(),
					suggestions: z
						.array(
							z.object({
								label: z.string(),
								value: z.string().optional(),
								instructions: z.string().optional(),
							}),
						)
						.max(10)
						.optional(),
				}),
			)
			.min(1)
			.max(20),
	}),
} as const;

export type ToolName = keyof typeof toolSchemas;
export const toolNames = Object.keys(toolSchemas) as ToolName[];
