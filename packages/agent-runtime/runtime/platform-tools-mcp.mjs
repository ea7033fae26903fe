// Proliferate's platform tools for OpenCode, as a dependency-free MCP server (stdio, JSON-RPC 2.0).
// Each tool call is forwarded to the gateway (POST /sessions/:id/tools/:name) with the sandbox's token;
// transient failures are retried with the same tool call id so the gateway can de-duplicate.
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";

const gatewayUrl = (process.env.PROLIFERATE_GATEWAY_URL ?? "").replace(/\/$/, "");
const sessionId = process.env.PROLIFERATE_SESSION_ID ?? "";
const token = process.env.PROLIFERATE_SANDBOX_TOKEN ?? "";
const enabled = new Set((process.env.PROLIFERATE_TOOLS ?? "").split(",").filter(Boolean));

const string = (description) => ({ type: "string", description });
const tools = [
	{
		name: "verify",
		description:
			"Store evidence (screenshots, test logs, reports) from a folder of the workspace as session artifacts the user can see. Put files in .proliferate/verification/ first.",
		inputSchema: {
			type: "object",
			properties: { folder: string("Folder relative to the workspace (default .proliferate/verification)") },
		},
	},
	{
		name: "save_snapshot",
		description:
			"Save a snapshot of the sandbox now (workspace and agent state) so the session can be resumed from it.",
		inputSchema: { type: "object", properties: { message: string("What works at this point") } },
	},
	{
		name: "save_service_commands",
		description:
			"Persist the commands that start this repository's services (dev servers, databases) for future sessions.",
		inputSchema: {
			type: "object",
			required: ["commands"],
			properties: {
				commands: {
					type: "array",
					items: {
						type: "object",
						required: ["name", "command"],
						properties: {
							name: string("Service name (letters, digits, '.', '_' or '-')"),
							command: string("Shell command"),
							cwd: string("Directory relative to the workspace"),
							port: { type: "integer", description: "Port the service listens on, if any (set as PORT)" },
						},
					},
				},
			},
		},
	},
	{
		name: "save_env_files",
		description:
			"Persist which env files this repository needs and which keys they hold (values come from the organization's secrets).",
		inputSchema: {
			type: "object",
			required: ["files"],
			properties: {
				files: {
					type: "array",
					items: {
						type: "object",
						required: ["path", "keys"],
						properties: {
							path: string("Path relative to the workspace, e.g. .env.local"),
							keys: {
								type: "array",
								items: {
									type: "object",
									required: ["key"],
									properties: { key: string("Variable name"), required: { type: "boolean" } },
								},
							},
						},
					},
				},
			},
		},
	},
	{
		name: "automation_complete",
		description:
			"Report the outcome of an automation run. Automation sessions must call this exactly once, at the end.",
		inputSchema: {
			type: "object",
			required: ["outcome", "summary_markdown"],
			properties: {
				run_id: string("The run id given in the prompt"),
				outcome: { type: "string", enum: ["succeeded", "failed", "needs_human"] },
				summary_markdown: string("A concise summary of what was done"),
				citations: { type: "array", items: { type: "string" } },
			},
		},
	},
	{
		name: "request_env_variables",
		description:
			"Ask the user for missing secrets or environment variables, with suggestions. Values arrive in /home/user/.proliferate/env.json; never print that file.",
		inputSchema: {
			type: "object",
			required: ["keys"],
			properties: {
				keys: {
					type: "array",
					items: {
						type: "object",
						required: ["key"],
						properties: {
							key: string("Variable name"),
							description: string("Why it is needed"),
							type: { type: "string", enum: ["env", "secret"] },
							required: { type: "boolean" },
						},
					},
				},
			},
		},
	},
].filter((tool) => enabled.size === 0 || enabled.has(tool.name));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function callGateway(name, args) {
	if (!gatewayUrl || !sessionId || !token)
		return { text: "The platform tools are not configured in this sandbox.", isError: true };
	const toolCallId = randomUUID();
	let lastError = "";
	for (let attempt = 0; attempt < 5; attempt++) {
		try {
			const response = await fetch(`${gatewayUrl}/sessions/${sessionId}/tools/${name}`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body: JSON.stringify({ toolCallId, args }),
				signal: AbortSignal.timeout(120_000),
			});
			const body = await response.json().catch(() => ({}));
			if (response.ok) return { text: body.result ?? "Done.", isError: false };
			if (response.status < 500)
				return {
					text: body.error?.message ?? `The gateway refused the call (${response.status})`,
					isError: true,
				};
			lastError = `gateway error ${response.status}`;
		} catch (error) {
			lastError = error instanceof Error ? error.message : String(error);
		}
		await sleep(500 * 2 ** attempt);
	}
	return { text: `The platform did not answer: ${lastError}`, isError: true };
}

function send(message) {
	process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

async function handle(message) {
	const { id, method, params } = message;
	if (id === undefined) return; // notifications
	switch (method) {
		case "initialize":
			return send({
				id,
				result: {
					protocolVersion: params?.protocolVersion ?? "2025-06-18",
					capabilities: { tools: {} },
					serverInfo: { name: "proliferate", version: "1.0.0" },
				},
			});
		case "ping":
			return send({ id, result: {} });
		case "tools/list":
			return send({ id, result: { tools } });
		case "tools/call": {
			const tool = tools.find((candidate) => candidate.name === params?.name);
			if (!tool) return send({ id, error: { code: -32602, message: `Unknown tool ${params?.name}` } });
			const result = await callGateway(tool.name, params?.arguments ?? {});
			return send({
				id,
				result: { content: [{ type: "text", text: result.text }], isError: result.isError },
			});
		}
		default:
			return send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
	}
}

createInterface({ input: process.stdin }).on("line", (line) => {
	if (!line.trim()) return;
	let message;
	try {
		message = JSON.parse(line);
	} catch {
		return send({ id: null, error: { code: -32700, message: "Parse error" } });
	}
	void handle(message);
});
