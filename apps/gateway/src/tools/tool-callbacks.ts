import { basename, extname } from "node:path";
import { repoConfig, type ServiceContext, sessions } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import type { ObjectStore } from "@proliferate/storage";
import { z } from "zod";
import { saveArtifact } from "../artifacts/artifact-storage";
import type { SessionHub } from "../hub/session-hub";
import { type ToolName, toolNames, toolSchemas } from "./tool-schemas";

export interface ToolCallbackDeps {
	services: ServiceContext;
	/** Where artifact bytes are stored. */
	objectStore: ObjectStore;
}

const contentTypes: Record<string, string> = {
	".png": "image/png",
	".jpg": "image/jpeg",
	".jpeg": "image/jpeg",
	".gif": "image/gif",
	".webp": "image/webp",
	".txt": "text/plain",
	".log": "text/plain",
	".md": "text/markdown",
	".json": "application/json",
	".html": "text/html",
};

const completed = new Map<string, { result: string; at: number }>();
const inflight = new Map<string, Promise<string>>();
const retentionMs = 5 * 60_000;

/**
 * Runs one platform tool call from the sandbox. Arguments are validated; a retried call with the
 * same tool call id gets the first call's answer (in flight or within five minutes) and no second effect.
 */
export async function handleToolCallback(
	hub: SessionHub,
	deps: ToolCallbackDeps,
	input: { toolName: string; toolCallId: string; args: unknown },
): Promise<string> {
	if (!toolNames.includes(input.toolName as ToolName)) {
		throw new DomainError("not_found", "UNKNOWN_TOOL", `There is no platform tool ${input.toolName}`);
	}
	const key = `${hub.sessionId}:${input.toolName}:${input.toolCallId}`;
	const now = Date.now();
	for (const [entry, value] of completed) if (now - value.at > retentionMs) completed.delete(entry);
	const done = completed.get(key);
	if (done) return done.result;
	const running = inflight.get(key);
	if (running) return running;
	const work = execute(hub, deps, input.toolName as ToolName, input.toolCallId, input.args).finally(() =>
		inflight.delete(key),
	);
	inflight.set(key, work);
	const result = await work;
	completed.set(key, { result, at: Date.now() });
	return result;
}

function parse<Name extends ToolName>(name: Name, args: unknown): z.infer<(typeof toolSchemas)[Name]> {
	const result = toolSchemas[name].safeParse(args ?? {});
	if (!result.success) {
		throw new DomainError(
			"invalid_input",
			"INVALID_TOOL_ARGUMENTS",
			`Invalid arguments for ${name}: ${z.prettifyError(result.error).replace(/\n/g, "; ")}`,
		);
	}
	return result.data as z.infer<(typeof toolSchemas)[Name]>;
}

async function execute(
	hub: SessionHub,
	deps: ToolCallbackDeps,
	name: ToolName,
	toolCallId: string,
	args: unknown,
): Promise<string> {
	const scope = { organizationId: hub.organizationId, sessionId: hub.sessionId };
	switch (name) {
		case "verify": {
			const { folder = ".proliferate/verification" } = parse(name, args);
			const listing = await hub.controller.runCommand(
				`find ${JSON.stringify(folder)} -maxdepth 3 -type f -size -10M 2>/dev/null | sort | head -n 50`,
			);
			const files = listing.stdout.split("\n").filter(Boolean);
			if (files.length === 0) return `No files found in ${folder}. Put screenshots or logs there first.`;
			const stored: string[] = [];
			for (const file of files) {
				const content = await hub.controller.readWorkspaceFile(file);
				const name = basename(file);
				const contentType = contentTypes[extname(name).toLowerCase()] ?? "application/octet-stream";
				const artifact = await saveArtifact(deps, {
					...scope,
					toolCallId,
					name,
					content,
					contentType,
					kind: contentType.startsWith("image/")
						? "screenshot"
						: contentType === "text/plain"
							? "log"
							: "file",
				});
				await hub.publish({
					type: "artifact.created",
					artifactId: artifact.id,
					name,
					contentType,
					sizeBytes: artifact.sizeBytes,
					url: `/sessions/${hub.sessionId}/artifacts/${artifact.id}`,
					kind: artifact.kind,
				});
				stored.push(name);
			}
			return `Stored ${stored.length} artifact(s) for the user: ${stored.join(", ")}`;
		}
		case "save_snapshot": {
			parse(name, args);
			const { snapshotId } = await hub.controller.snapshot();
			return `Snapshot saved (${snapshotId.slice(0, 12)}).`;
		}
		case "save_service_commands": {
			const { commands } = parse(name, args);
			const repoId = await repoOf(deps, scope);
			await repoConfig.saveRepoConfig(deps.services, {
				organizationId: hub.organizationId,
				repoId,
				serviceCommands: commands,
			});
			await hub.controller.writeSavedServices(commands);
			return `Saved ${commands.length} service command(s) for future sessions.`;
		}
		case "save_env_files": {
			const { files } = parse(name, args);
			const repoId = await repoOf(deps, scope);
			await repoConfig.saveRepoConfig(deps.services, {
				organizationId: hub.organizationId,
				repoId,
				envFiles: files,
			});
			return `Saved ${files.length} env file spec(s).`;
		}
		case "automation_complete": {
			const outcome = parse(name, args);
			await sessions.recordOutcome(deps.services, {
				...scope,
				outcome: {
					outcome: outcome.outcome,
					summaryMarkdown: outcome.summary_markdown,
					citations: outcome.citations ?? [],
					runId: outcome.run_id ?? null,
				},
			});
			return `Outcome recorded: ${outcome.outcome}.`;
		}
		case "request_env_variables": {
			const { keys } = parse(name, args);
			await hub.publish({ type: "env.requested", requestId: toolCallId, keys });
			return `Asked the user for ${keys.map((key) => key.key).join(", ")}. Submitted values will be written to /home/user/.proliferate/env.json; read only the keys you need and never print the file.`;
		}
	}
}

async function repoOf(
	deps: ToolCallbackDeps,
	scope: { organizationId: string; sessionId: string },
): Promise<string> {
	const session = await sessions.getSession(deps.services, scope);
	if (!session.repoId)
		throw new DomainError(
			"precondition_failed",
			"NO_REPOSITORY",
			"This session has no repository to configure",
		);
	return session.repoId;
}
