import {
	AGENT_RUNTIME_HOST_DIR,
	AGENT_RUNTIME_SANDBOX_DIR,
	OPENCODE_SANDBOX_DIR,
	type OpencodeBinary,
	resolveOpencodeBinary,
} from "@proliferate/agent-runtime";
import type { RuntimeMount } from "@proliferate/sandbox";
import {
	ensureSandboxMcpBundle,
	SANDBOX_MCP_HOST_DIR,
	SANDBOX_MCP_SANDBOX_DIR,
} from "@proliferate/sandbox-mcp";

/**
 * What every sandbox runs besides the repository: OpenCode, the platform tools MCP server and
 * sandbox-mcp. The local provider mounts these host directories read-only; the remote image
 * (packages/modal-sandbox) installs the same directories at the same paths.
 */
export async function sandboxRuntime(): Promise<{ binary: OpencodeBinary; mounts: RuntimeMount[] }> {
	const binary = resolveOpencodeBinary();
	// sandbox-mcp's bundle is built by scripts/bootstrap.sh; rebuilt here when stale.
	await ensureSandboxMcpBundle();
	return {
		binary,
		mounts: [
			{ hostPath: binary.directory, sandboxPath: OPENCODE_SANDBOX_DIR },
			{ hostPath: AGENT_RUNTIME_HOST_DIR, sandboxPath: AGENT_RUNTIME_SANDBOX_DIR },
			{ hostPath: SANDBOX_MCP_HOST_DIR, sandboxPath: SANDBOX_MCP_SANDBOX_DIR },
		],
	};
}
