import type { AgentRuntime } from "@proliferate/agent-runtime";
import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import { deriveSandboxMcpToken } from "@proliferate/sandbox-mcp";
import type { integrations, ServiceContext, secrets } from "@proliferate/services";
import {
	DomainError,
	type SandboxHandle,
	type SandboxProvider,
	type SessionEventInput,
} from "@proliferate/shared";
import { type LlmAccess, staticLlmAccess } from "./llm-access";
import type { SandboxStopWatch } from "./sandbox-stops";
import type { WarmPoolKeeper } from "./warm-pool-keeper";

export interface AgentSettings {
	/** Secret from which each session's OpenCode password is derived (stable across gateway restarts). */
	passwordSecret: string;
	llmBaseUrl: string;
	llmApiKey: string;
	modelId: string;
	modelLabel: string;
	binaryFileName: string;
	/** Digest of the helpers this gateway runs (`sandboxRuntime().helpersDigest`); remote images are checked against it. */
	helpersDigest?: string;
	/** Per-session endpoint and key (virtual keys of the LLM proxy); absent: llmBaseUrl and llmApiKey for all. */
	llmAccess?: LlmAccess;
}

export interface SessionControllerDeps {
	/** The gateway's own URL as the host reaches it (sandboxes reach it through an egress relay). */
	gatewayUrl: () => string;
	services: ServiceContext;
	/** Every configured provider: a session runs on its org's override, else the deployment default. */
	providers: SandboxProviderRegistry;
	/** Pre-started sandboxes new sessions claim instead of creating one. */
	warmPool?: WarmPoolKeeper | undefined;
	agent: AgentSettings;
	logger: Logger;
	sandboxLifetimeSeconds: number;
	/** Whether an agent turn is running (migration waits for it). */
	isAgentBusy?: () => boolean;
	/** Appends an event to the session's log and delivers it to clients. */
	publish: (input: SessionEventInput) => Promise<void>;
	/** False once this instance may no longer act for the session (its lease is lost or unconfirmed). */
	stillOwner?: () => boolean;
	/** Whether a turn was running and what of it is already published (a takeover continues or closes it). */
	turnState?: () => TurnState;
	/** GitHub API settings; without them pull requests cannot be opened. */
	github?: integrations.GithubConfig | undefined;
	/** Opens the organization's secrets for sandboxes; without it sessions get none (secrets-environment.md). */
	secretKeyring?: secrets.SecretKeyring | undefined;
	/** Reports sandboxes that stop without the session asking (limits, expiry, kills, provider errors). */
	stops?: SandboxStopWatch | undefined;
}

export interface TurnState {
	busy: boolean;
	/** Assistant messages started and not completed: message id → part id → text published. */
	openMessages: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** The session's running sandbox and agent, from a finished boot until pause, stop, migration or detach. */
export interface LiveSession {
	provider: SandboxProvider;
	sandbox: SandboxHandle;
	sandboxRecordId: string;
	agent: AgentRuntime;
	opencodeSessionId: string;
	/** Aborted when the session stops bridging OpenCode's events. */
	bridge: AbortController;
}

export type SessionStatus = "starting" | "running" | "idle" | "paused" | "stopped" | "failed" | "migrating";

/** The repository's saved service commands inside the sandbox, read by sandbox-mcp. */
export const savedServicesPath = "/home/user/.proliferate/services.json";

export class SessionNotRunningError extends DomainError {
	constructor(sessionId: string, status: string, reason?: string | null) {
		super(
			"precondition_failed",
			"SESSION_NOT_RUNNING",
			`Session ${sessionId} is ${status}${reason ? ` (${reason})` : ""}; resume it or start a new session`,
			{ status, ...(reason ? { reason } : {}) },
		);
	}
}

/** What every part of a session's controller shares: who the session is, its dependencies, and a few helpers. */
export class SessionContext {
	constructor(
		readonly sessionId: string,
		readonly organizationId: string,
		readonly deps: SessionControllerDeps,
	) {}

	scope() {
		return { organizationId: this.organizationId, sessionId: this.sessionId };
	}

	publish(input: SessionEventInput): Promise<void> {
		return this.deps.publish(input);
	}

	/** Publishes a `session.status` event (with progress when a fraction is given). */
	async status(status: SessionStatus, message?: string, fraction?: number): Promise<void> {
		await this.deps.publish({
			type: "session.status",
			status,
			...(message ? { message } : {}),
			...(fraction !== undefined && message ? { progress: { step: message, fraction } } : {}),
		});
	}

	get llmAccess(): LlmAccess {
		const { agent } = this.deps;
		return agent.llmAccess ?? staticLlmAccess({ baseUrl: agent.llmBaseUrl, apiKey: agent.llmApiKey });
	}

	/** Revokes the session's LLM keys; a failure is logged (the keys expire on their own). */
	async revokeLlmAccess(): Promise<void> {
		await this.llmAccess.revoke(this.scope()).catch((error: unknown) => {
			this.deps.logger.warn(
				{ err: error, sessionId: this.sessionId },
				"revoking the session's LLM keys failed",
			);
		});
	}

	sandboxMcpToken(): string {
		return deriveSandboxMcpToken(this.sessionId, this.deps.agent.passwordSecret);
	}
}
