import { buildSandboxMcpBundle } from "./bundle";

const directory = await buildSandboxMcpBundle();
process.stdout.write(`sandbox-mcp bundled into ${directory}\n`);
