import { SANDBOX_MCP_PORT } from "@proliferate/shared";
import { type LiveSession, type SessionContext, savedServicesPath } from "./session-context";

/** Where the gateway reaches the session's sandbox-mcp, and the token it must send. */
export async function sandboxMcpEndpoint(
	context: SessionContext,
	live: LiveSession,
): Promise<{ url: string; token: string }> {
	const url =
		live.sandbox.ports[SANDBOX_MCP_PORT] ??
		(await live.provider.resolvePortUrl(live.sandbox.sandboxId, SANDBOX_MCP_PORT));
	return { url, token: context.sandboxMcpToken() };
}

/** Runs a shell command in the sandbox (2 minutes at most; a failing command is a result, not an error). */
export function runCommand(live: LiveSession, command: string) {
	return live.provider.exec(live.sandbox.sandboxId, command, { allowFailure: true, timeoutMs: 120_000 });
}

/** Rewrites the saved service commands in the live sandbox, so sandbox-mcp lists them at once. */
export async function writeSavedServices(
	live: LiveSession,
	commands: { name: string; command: string; cwd?: string; port?: number }[],
): Promise<void> {
	await live.provider.writeFile(live.sandbox.sandboxId, savedServicesPath, JSON.stringify(commands));
}

/** Merges values into the sandbox's env file (`~/.proliferate/env.json`, mode 600). */
export async function writeEnvValues(live: LiveSession, values: Record<string, string>): Promise<void> {
	const path = "/home/user/.proliferate/env.json";
	let existing: Record<string, string> = {};
	try {
		existing = JSON.parse(Buffer.from(await live.provider.readFile(live.sandbox.sandboxId, path)).toString());
	} catch {
		existing = {};
	}
	await live.provider.writeFile(
		live.sandbox.sandboxId,
		path,
		JSON.stringify({ ...existing, ...values }, null, 2),
		{
			mode: 0o600,
		},
	);
}
