// Entry of sandbox-mcp inside a sandbox: `node /opt/proliferate/mcp/sandbox-mcp.mjs` (the esbuild bundle).
import { SANDBOX_MCP_PORT } from "@proliferate/shared/sandbox";
import { createSandboxMcpServer, type SandboxMcpLogger } from "./server";

function line(level: string, fields: Record<string, unknown>, message: string) {
	const err =
		fields.err instanceof Error ? { message: fields.err.message, stack: fields.err.stack } : fields.err;
	process.stdout.write(
		`${JSON.stringify({ level, time: new Date().toISOString(), service: "sandbox-mcp", ...fields, ...(err ? { err } : {}), msg: message })}\n`,
	);
}
const logger: SandboxMcpLogger = {
	info: (fields, message) => line("info", fields, message),
	warn: (fields, message) => line("warn", fields, message),
	error: (fields, message) => line("error", fields, message),
};

/** The token from stdin (one line, the supervisor closes it after writing), never kept in the env. */
async function tokenFromStdin(): Promise<string> {
	let text = "";
	for await (const chunk of process.stdin) {
		text += String(chunk);
		if (text.length > 4096) break;
	}
	process.stdin.destroy();
	return text.split("\n")[0]?.trim() ?? "";
}

const token =
	process.env.PROLIFERATE_MCP_TOKEN_STDIN === "1"
		? await tokenFromStdin()
		: (process.env.PROLIFERATE_MCP_TOKEN ?? "");
if (token.length < 16) {
	line(
		"fatal",
		{},
		"the sandbox-mcp token (stdin or PROLIFERATE_MCP_TOKEN) is missing or shorter than 16 characters",
	);
	process.exit(1);
}
const home = process.env.HOME ?? "/home/user";
const workspace = process.env.PROLIFERATE_WORKSPACE ?? `${home}/workspace`;
const port = Number(process.env.PROLIFERATE_MCP_PORT ?? SANDBOX_MCP_PORT);
const savedServicesFile = process.env.PROLIFERATE_SERVICES_FILE ?? `${home}/.proliferate/services.json`;
// Terminals and services never see the token.
const env = Object.fromEntries(
	Object.entries(process.env).filter(
		(entry): entry is [string, string] =>
			entry[1] !== undefined &&
			entry[0] !== "PROLIFERATE_MCP_TOKEN" &&
			entry[0] !== "PROLIFERATE_MCP_TOKEN_STDIN",
	),
);

const mcp = createSandboxMcpServer({
	token,
	workspace,
	logDirectory: process.env.PROLIFERATE_LOG_DIR ?? `${home}/.proliferate/logs`,
	env,
	savedServicesFile,
	logger,
});
await mcp.listen(port, "127.0.0.1");
logger.info({ port, workspace }, "sandbox-mcp listening");

if (process.env.PROLIFERATE_SERVICES_AUTOSTART === "1") {
	for (const spec of mcp.services.savedSpecs()) {
		mcp.services
			.start({ name: spec.name })
			.then((info) => logger.info({ service: info.name, pid: info.pid }, "saved service started"))
			.catch((error: unknown) =>
				logger.error({ err: error, service: spec.name }, "saved service failed to start"),
			);
	}
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
	process.once(signal, () => {
		void mcp.close().finally(() => process.exit(0));
	});
}
