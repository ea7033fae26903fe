export {
	buildSandboxMcpBundle,
	ensureSandboxMcpBundle,
	SANDBOX_MCP_ENTRY,
	SANDBOX_MCP_HOST_DIR,
} from "./bundle";
export {
	deriveSandboxMcpToken,
	SANDBOX_MCP_SANDBOX_DIR,
	type SandboxMcpProcessInput,
	sandboxMcpProcess,
} from "./process-spec";
export { createSandboxMcpServer, type SandboxMcpOptions, type SandboxMcpServer } from "./server";
