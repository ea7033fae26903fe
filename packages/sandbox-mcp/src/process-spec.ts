import { createHmac } from "node:crypto";
import { SANDBOX_MCP_PORT, type SandboxProcessSpec } from "@proliferate/shared/sandbox";
import { SANDBOX_MCP_ENTRY } from "./bundle";

/** Where the bundle is mounted inside sandboxes (read-only). */
export const SANDBOX_MCP_SANDBOX_DIR = "/opt/proliferate/mcp";

/** The token guarding a session's sandbox-mcp, derived so any gateway instance can recompute it. */
export function deriveSandboxMcpToken(sessionId: string, secret: string): string {
	return createHmac("sha256", secret).update(`sandbox-mcp:${sessionId}`).digest("base64url");
}

export interface SandboxMcpProcessInput {
	token: string;
	homeDir: string;
	workspaceDir: string;
	/** Start the repository's saved service commands when sandbox-mcp starts. */
	autostartServices?: boolean;
	/** The node binary inside the sandbox (the host's, under the read-only /usr). */
	nodePath?: string;
}

/** The process every sandbox runs next to OpenCode: sandbox-mcp on port 4000, exposed to the platform. */
export function sandboxMcpProcess(input: SandboxMcpProcessInput): SandboxProcessSpec {
	return {
		name: "sandbox-mcp",
		command: [input.nodePath ?? "/usr/bin/node", `${SANDBOX_MCP_SANDBOX_DIR}/${SANDBOX_MCP_ENTRY}`],
		cwd: input.homeDir,
		port: SANDBOX_MCP_PORT,
		// The token comes on stdin, not in the environment: the agent's shell runs as the same user
		// and could read it from /proc/<pid>/environ (main.ts reads it, then stdin is closed).
		stdin: `${input.token}\n`,
		env: {
			PROLIFERATE_MCP_TOKEN_STDIN: "1",
			PROLIFERATE_MCP_PORT: String(SANDBOX_MCP_PORT),
			PROLIFERATE_WORKSPACE: input.workspaceDir,
			PROLIFERATE_SERVICES_FILE: `${input.homeDir}/.proliferate/services.json`,
			...(input.autostartServices ? { PROLIFERATE_SERVICES_AUTOSTART: "1" } : {}),
		},
	};
}
