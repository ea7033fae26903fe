import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { CreateSandboxOptions, SandboxProcessSpec } from "@proliferate/shared";
import { OPENCODE_VERSION } from "./opencode-binary";

/** Where OpenCode lives inside a sandbox (its binary directory is bind-mounted here). */
export const OPENCODE_SANDBOX_DIR = "/opt/opencode";
/** OpenCode's file name in OPENCODE_SANDBOX_DIR of the remote sandbox image (packages/modal-sandbox). */
export const OPENCODE_IMAGE_BINARY = "opencode";
export const OPENCODE_PORT = 4096;
export const OPENCODE_PROVIDER_ID = "proliferate";
/** Host directory with the in-sandbox helpers (the platform tools MCP server); mount it at AGENT_RUNTIME_SANDBOX_DIR. */
export const AGENT_RUNTIME_HOST_DIR = fileURLToPath(new URL("../runtime", import.meta.url));
export const AGENT_RUNTIME_SANDBOX_DIR = "/opt/proliferate/agent";

export interface OpencodeBootInput {
	/** The sandbox user's home and the repository checkout, as paths inside the sandbox. */
	homeDir: string;
	workspaceDir: string;
	/** File name of the binary inside OPENCODE_SANDBOX_DIR (`opencode`). */
	binaryFileName: string;
	/** Model id as the LLM endpoint knows it (e.g. `demo` for the scripted model). */
	modelId: string;
	modelLabel: string;
	/**
	 * The OpenAI-compatible endpoint, as the sandbox reaches it. Either a literal URL, or the name
	 * of an egress target whose in-sandbox URL the provider exposes as `PROLIFERATE_EGRESS_<NAME>_URL`.
	 */
	llm: { baseUrl: string } | { egressTarget: string };
	/** The session's virtual key for the LLM proxy. */
	llmApiKey: string;
	/** Password protecting OpenCode's HTTP server (generated when omitted). */
	serverPassword?: string;
	/** Extra files (custom tools, instructions) keyed by path inside the sandbox. */
	extraFiles?: { path: string; content: string; mode?: number }[];
	/** Extra environment for OpenCode (tool callback URL, sandbox token, session id). */
	extraEnv?: Record<string, string>;
	/** System instructions for the session (role, sandbox rules, tools, the repo's own instructions). */
	systemPrompt?: string;
	/** The platform tools (an MCP server calling back to the gateway). */
	platformTools?: {
		/** Egress target through which the sandbox reaches the gateway. */
		gatewayEgressTarget: string;
		sessionId: string;
		sandboxToken: string;
		tools: readonly string[];
	};
}

export interface OpencodeBootSpec {
	process: SandboxProcessSpec;
	files: NonNullable<CreateSandboxOptions["files"]>;
	serverPassword: string;
	port: number;
	/** File OpenCode writes its log to (read it to diagnose a failed boot). */
	logPath: string;
}

/** The variables holding OpenCode's own credentials (its server password, the session's LLM key). */
const openCodeCredentialVariables = ["OPENCODE_SERVER_PASSWORD", "PROLIFERATE_LLM_API_KEY"] as const;

export function egressEnvironmentName(target: string): string {
	return `PROLIFERATE_EGRESS_${target.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;
}

/**
 * Everything needed to run `opencode serve` unattended and offline inside a sandbox: a generated
 * config (our provider only, no sharing/autoupdate, permissions that never block on a person),
 * isolated XDG directories under the home (so snapshots carry the agent's state), the stub that
 * stops OpenCode's background plugin install, and the environment that disables the models fetch.
 */
export function buildOpencodeBootSpec(input: OpencodeBootInput): OpencodeBootSpec {
	const serverPassword = input.serverPassword ?? randomBytes(24).toString("base64url");
	const stateRoot = `${input.homeDir}/.opencode-state`;
	const configHome = `${stateRoot}/config`;
	const configPath = `${input.homeDir}/.proliferate/opencode.json`;
	const instructionsPath = `${input.homeDir}/.proliferate/instructions.md`;
	const baseUrl =
		"baseUrl" in input.llm ? input.llm.baseUrl : `{env:${egressEnvironmentName(input.llm.egressTarget)}}`;
	const config = {
		$schema: "https://opencode.ai/config.json",
		autoupdate: false,
		share: "disabled",
		snapshot: true,
		enabled_providers: [OPENCODE_PROVIDER_ID],
		model: `${OPENCODE_PROVIDER_ID}/${input.modelId}`,
		small_model: `${OPENCODE_PROVIDER_ID}/${input.modelId}`,
		provider: {
			[OPENCODE_PROVIDER_ID]: {
				npm: "@ai-sdk/openai-compatible",
				name: "Proliferate",
				options: { baseURL: baseUrl, apiKey: "{env:PROLIFERATE_LLM_API_KEY}" },
				models: {
					[input.modelId]: {
						name: input.modelLabel,
						tool_call: true,
						limit: { context: 200_000, output: 8192 },
					},
				},
			},
		},
		permission: { "*": "allow", external_directory: "deny", doom_loop: "deny", question: "deny" },
		...(input.systemPrompt ? { instructions: [instructionsPath] } : {}),
		...(input.platformTools
			? {
					mcp: {
						proliferate: {
							type: "local",
							// OpenCode's own credentials stay out of the tools server's environment (it is
							// OpenCode's child and would inherit them); the sandbox token is only its own, from
							// this file (mode 600), never in OpenCode's environment.
							command: [
								"/usr/bin/env",
								...openCodeCredentialVariables.flatMap((name) => ["-u", name]),
								"/usr/bin/node",
								`${AGENT_RUNTIME_SANDBOX_DIR}/platform-tools-mcp.mjs`,
							],
							enabled: true,
							environment: {
								PROLIFERATE_GATEWAY_URL: `{env:${egressEnvironmentName(input.platformTools.gatewayEgressTarget)}}`,
								PROLIFERATE_SESSION_ID: input.platformTools.sessionId,
								PROLIFERATE_SANDBOX_TOKEN: input.platformTools.sandboxToken,
								PROLIFERATE_TOOLS: input.platformTools.tools.join(","),
							},
						},
					},
				}
			: {}),
	};
	const pluginStub = JSON.stringify({ dependencies: { "@opencode-ai/plugin": OPENCODE_VERSION } });
	const pluginLock = JSON.stringify({
		lockfileVersion: 3,
		packages: { "": { dependencies: { "@opencode-ai/plugin": OPENCODE_VERSION } } },
	});
	const logPath = `${input.homeDir}/.proliferate/logs/opencode.log`;
	return {
		serverPassword,
		port: OPENCODE_PORT,
		logPath,
		files: [
			{ path: configPath, content: JSON.stringify(config, null, 2), mode: 0o600 },
			// Satisfies OpenCode's "plugin already installed" check so it never runs npm in the background.
			{ path: `${configHome}/opencode/package.json`, content: pluginStub },
			{ path: `${configHome}/opencode/package-lock.json`, content: pluginLock },
			{ path: `${configHome}/opencode/node_modules/.keep`, content: "" },
			...(input.systemPrompt ? [{ path: instructionsPath, content: input.systemPrompt }] : []),
			...(input.extraFiles ?? []),
		],
		process: {
			name: "opencode",
			command: [
				`${OPENCODE_SANDBOX_DIR}/${input.binaryFileName}`,
				"serve",
				"--port",
				String(OPENCODE_PORT),
				"--hostname",
				"127.0.0.1",
				"--print-logs",
			],
			cwd: input.workspaceDir,
			port: OPENCODE_PORT,
			env: {
				OPENCODE_CONFIG: configPath,
				OPENCODE_SERVER_PASSWORD: serverPassword,
				OPENCODE_DISABLE_MODELS_FETCH: "1",
				OPENCODE_DISABLE_AUTOUPDATE: "1",
				OPENCODE_DISABLE_SHARE: "1",
				OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
				OPENCODE_DISABLE_PROJECT_CONFIG: "1",
				XDG_CONFIG_HOME: configHome,
				XDG_DATA_HOME: `${stateRoot}/data`,
				XDG_CACHE_HOME: `${stateRoot}/cache`,
				XDG_STATE_HOME: `${stateRoot}/state`,
				PROLIFERATE_LLM_API_KEY: input.llmApiKey,
				...input.extraEnv,
			},
		},
	};
}
