import { createHmac } from "node:crypto";
import {
	buildOpencodeBootSpec,
	OPENCODE_IMAGE_BINARY,
	type OpencodeBootSpec,
} from "@proliferate/agent-runtime";
import { sandboxMcpProcess } from "@proliferate/sandbox-mcp";
import { repoConfig, type repos, type sessions } from "@proliferate/services";
import { type ClaimSandboxOptions, DomainError, type SandboxProvider } from "@proliferate/shared";
import { deriveSandboxToken } from "@proliferate/shared/auth";
import { buildSystemPrompt, platformToolsByKind } from "@proliferate/shared/prompts";
import { resolveSessionEnvironment } from "./env-files";
import { cloneSource } from "./pull-requests";
import { type SessionContext, savedServicesPath } from "./session-context";

export interface SandboxSetup {
	/** What the sandbox gets: the repository to clone, files, processes (OpenCode, sandbox-mcp) and egress targets. */
	setup: ClaimSandboxOptions;
	spec: OpencodeBootSpec;
	savedServices: repoConfig.RepoConfig["serviceCommands"];
	/** The organization's resolved secrets (also in `setup.env`), for the env files rendered after boot. */
	secretEnvironment: Record<string, string>;
}

/**
 * Everything a sandbox needs to run the session: the repository's saved service commands, an LLM
 * key for this boot, OpenCode's boot spec (system prompt, platform tools), sandbox-mcp, and the egress
 * relays (the model endpoint, and the gateway for this session's tool callbacks only).
 */
export async function sandboxSetup(
	context: SessionContext,
	input: {
		session: Awaited<ReturnType<typeof sessions.getSession>>;
		repo: Awaited<ReturnType<typeof repos.getRepo>> | null;
		provider: SandboxProvider;
	},
): Promise<SandboxSetup> {
	const { session, repo, provider } = input;
	const { services, agent } = context.deps;
	const { sessionId, organizationId } = context;
	// Remote sandboxes run the image (packages/modal-sandbox) and reach the platform by public URLs.
	const remote = provider.type !== "local";
	if (remote && repo?.sourceKind === "local_path") {
		throw new DomainError(
			"precondition_failed",
			"REPO_NOT_REACHABLE",
			`${repo.name} is a directory on the platform's machine (${repo.url}); ${provider.type} sandboxes cannot clone it. Add the repository by git URL, or run this organization's sessions on the local provider.`,
		);
	}
	const savedServices = repo
		? (await repoConfig.getRepoConfig(services, { organizationId, repoId: repo.id })).serviceCommands
		: [];
	const modelId = session.modelId ?? agent.modelId;
	const llm = await context.llmAccess.issue({
		...context.scope(),
		modelId,
		// A recovered sandbox keeps the key it booted with; it never outlives the sandbox by much.
		ttlSeconds: context.deps.sandboxLifetimeSeconds + 3600,
	});
	const spec = buildOpencodeBootSpec({
		homeDir: "/home/user",
		workspaceDir: "/home/user/workspace",
		binaryFileName: remote ? OPENCODE_IMAGE_BINARY : agent.binaryFileName,
		modelId,
		modelLabel: agent.modelLabel,
		llm: { egressTarget: "llm" },
		llmApiKey: llm.apiKey,
		serverPassword: createHmac("sha256", agent.passwordSecret)
			.update(`opencode:${sessionId}`)
			.digest("base64url"),
		// OpenCode adds the repository's own AGENTS.md to these instructions by itself.
		systemPrompt: buildSystemPrompt({ kind: session.kind, repoName: repo?.name ?? "this repository" }),
		platformTools: {
			gatewayEgressTarget: "gateway",
			sessionId,
			sandboxToken: deriveSandboxToken(sessionId, agent.passwordSecret),
			tools: platformToolsByKind[session.kind],
		},
	});
	// The organization's secrets, and only those: platform credentials reach processes through their
	// own specs (OpenCode's key, sandbox-mcp's token on stdin), never through this environment.
	const secretEnvironment = await resolveSessionEnvironment(context, repo?.id ?? null);
	const setup: ClaimSandboxOptions = {
		sessionId,
		organizationId,
		env: secretEnvironment,
		...(repo ? { repo: await cloneSource(context.deps, organizationId, repo, session.branch) } : {}),
		files: [
			...spec.files,
			// The repository's saved service commands, for sandbox-mcp's service manager.
			{ path: savedServicesPath, content: JSON.stringify(savedServices) },
		],
		processes: [
			spec.process,
			sandboxMcpProcess({
				token: context.sandboxMcpToken(),
				homeDir: "/home/user",
				workspaceDir: "/home/user/workspace",
				autostartServices: session.kind !== "setup",
			}),
		],
		egress: [
			{ name: "llm", url: remote ? (llm.publicBaseUrl ?? llm.baseUrl) : llm.baseUrl },
			{
				name: "gateway",
				url: context.deps.gatewayUrl(),
				// The relay forwards only this session's tool callbacks (docs/specs/sandbox-providers.md).
				allow: [{ method: "POST", path: `/sessions/${sessionId}/tools/*` }],
			},
		],
	};
	return { setup, spec, savedServices, secretEnvironment };
}
