import { createHmac, randomUUID } from "node:crypto";
import {
	AgentRuntime,
	buildOpencodeBootSpec,
	modelRetriesExhausted,
	OPENCODE_IMAGE_BINARY,
	OPENCODE_PORT,
	OpencodeEventMapper,
} from "@proliferate/agent-runtime";
import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import { deriveSandboxMcpToken, sandboxMcpProcess } from "@proliferate/sandbox-mcp";
import {
	type integrations,
	orgs,
	repoConfig,
	repos,
	type ServiceContext,
	sandboxes,
	sessions,
} from "@proliferate/services";
import {
	type ClaimSandboxOptions,
	DomainError,
	errorMessage,
	type MessageSource,
	SANDBOX_MCP_PORT,
	type SandboxHandle,
	type SandboxProvider,
	type SandboxProviderType,
	type SessionEventInput,
} from "@proliferate/shared";
import { deriveSandboxToken } from "@proliferate/shared/auth";
import { buildSystemPrompt, platformToolsByKind } from "@proliferate/shared/prompts";
import { GitOperations } from "./git-operations";
import { type LlmAccess, staticLlmAccess } from "./llm-access";
import { cloneSource, openPullRequest, type PullRequestInput, type PullRequestResult } from "./pull-requests";
import { imageHelpersStatus } from "./sandbox-runtime";
import {
	AgentUnavailableError,
	type SandboxStop,
	type SandboxStopWatch,
	stopFromError,
	stopFromStatus,
} from "./sandbox-stops";
import type { WarmPoolKeeper } from "./warm-pool-keeper";

/** Providers whose image this process has checked (once is enough: every sandbox starts from it). */
const checkedImages = new Set<string>();

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
	/** Reports sandboxes that stop without the session asking (limits, expiry, kills, provider errors). */
	stops?: SandboxStopWatch | undefined;
}

/** The repository's saved service commands inside the sandbox, read by sandbox-mcp. */
const savedServicesPath = "/home/user/.proliferate/services.json";

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

export interface TurnState {
	busy: boolean;
	/** Assistant messages started and not completed: message id → part id → text published. */
	openMessages: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

interface Live {
	provider: SandboxProvider;
	sandbox: SandboxHandle;
	sandboxRecordId: string;
	agent: AgentRuntime;
	opencodeSessionId: string;
	bridge: AbortController;
}

/**
 * One session's sandbox and agent: boots (or recovers, or resumes) the sandbox with OpenCode,
 * bridges OpenCode's event stream into the session's event log, and carries out commands.
 */
export class SessionController {
	private live: Live | undefined;
	private booting: Promise<Live> | undefined;
	readonly git: GitOperations;

	constructor(
		readonly sessionId: string,
		readonly organizationId: string,
		private readonly deps: SessionControllerDeps,
	) {
		this.git = new GitOperations(() => {
			const live = this.requireLive();
			return { provider: live.provider, sandboxId: live.sandbox.sandboxId };
		});
	}

	/** Pushes the current branch and opens (or finds) its pull request on GitHub. */
	openPullRequest(input: PullRequestInput): Promise<PullRequestResult> {
		this.requireLive();
		return openPullRequest(
			{ services: this.deps.services, github: this.deps.github, git: this.git, scope: this.scope() },
			input,
		);
	}

	get ready(): boolean {
		return this.live !== undefined;
	}

	private requireLive(): Live {
		if (!this.live) throw new SessionNotRunningError(this.sessionId, "not running");
		return this.live;
	}

	private scope() {
		return { organizationId: this.organizationId, sessionId: this.sessionId };
	}

	private get llmAccess(): LlmAccess {
		const { agent } = this.deps;
		return agent.llmAccess ?? staticLlmAccess({ baseUrl: agent.llmBaseUrl, apiKey: agent.llmApiKey });
	}

	/** Revokes the session's LLM keys; a failure is logged (the keys expire on their own). */
	private async revokeLlmAccess(): Promise<void> {
		await this.llmAccess.revoke(this.scope()).catch((error: unknown) => {
			this.deps.logger.warn(
				{ err: error, sessionId: this.sessionId },
				"revoking the session's LLM keys failed",
			);
		});
	}

	/** Boots the session once; concurrent callers share the same boot. */
	ensureReady(): Promise<Live> {
		if (this.live) return Promise.resolve(this.live);
		this.booting ??= this.boot().finally(() => {
			this.booting = undefined;
		});
		return this.booting;
	}

	private async status(
		status: "starting" | "running" | "idle" | "paused" | "stopped" | "failed" | "migrating",
		message?: string,
		fraction?: number,
	) {
		await this.deps.publish({
			type: "session.status",
			status,
			...(message ? { message } : {}),
			...(fraction !== undefined && message ? { progress: { step: message, fraction } } : {}),
		});
	}

	/**
	 * Which provider runs the session's sandbox: the one its sandbox or snapshot lives on (they
	 * cannot move between providers), else the organization's override, else the deployment default.
	 */
	private async providerType(
		session: Awaited<ReturnType<typeof sessions.getSession>>,
		previous: { provider: SandboxProviderType } | null,
	): Promise<SandboxProviderType> {
		if (previous) return previous.provider;
		if (session.snapshotId) return session.sandboxProvider;
		const override = await orgs.getSandboxProviderOverride(this.deps.services, {
			organizationId: this.organizationId,
		});
		return override ?? this.deps.providers.defaultType;
	}

	private async boot(): Promise<Live> {
		const { services, agent, logger } = this.deps;
		let session = await sessions.getSession(services, this.scope());
		if (session.status === "stopped") throw new SessionNotRunningError(this.sessionId, session.status);
		if (session.status !== "starting") {
			session = await sessions.transitionSession(services, { ...this.scope(), to: "starting" });
		}
		try {
			await this.status("starting", "Preparing the sandbox", 0.1);
			const repo = session.repoId
				? await repos.getRepo(services, { organizationId: this.organizationId, repoId: session.repoId })
				: null;
			const found = session.sandboxId
				? await sandboxes
						.getSandbox(services, { organizationId: this.organizationId, sandboxId: session.sandboxId })
						.catch(() => null)
				: null;
			const previous = found && found.state !== "terminated" ? found : null;
			const provider = this.deps.providers.get(await this.providerType(session, previous));
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
				? (await repoConfig.getRepoConfig(services, { organizationId: this.organizationId, repoId: repo.id }))
						.serviceCommands
				: [];
			const modelId = session.modelId ?? agent.modelId;
			const llm = await this.llmAccess.issue({
				...this.scope(),
				modelId,
				// A recovered sandbox keeps the key it booted with; it never outlives the sandbox by much.
				ttlSeconds: this.deps.sandboxLifetimeSeconds + 3600,
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
					.update(`opencode:${this.sessionId}`)
					.digest("base64url"),
				// OpenCode adds the repository's own AGENTS.md to these instructions by itself.
				systemPrompt: buildSystemPrompt({ kind: session.kind, repoName: repo?.name ?? "this repository" }),
				platformTools: {
					gatewayEgressTarget: "gateway",
					sessionId: this.sessionId,
					sandboxToken: deriveSandboxToken(this.sessionId, agent.passwordSecret),
					tools: platformToolsByKind[session.kind],
				},
			});
			const setup: ClaimSandboxOptions = {
				sessionId: this.sessionId,
				organizationId: this.organizationId,
				...(repo ? { repo: await cloneSource(this.deps, this.organizationId, repo, session.branch) } : {}),
				files: [
					...spec.files,
					// The repository's saved service commands, for sandbox-mcp's service manager.
					{ path: savedServicesPath, content: JSON.stringify(savedServices) },
				],
				processes: [
					spec.process,
					sandboxMcpProcess({
						token: this.sandboxMcpToken(),
						homeDir: "/home/user",
						workspaceDir: "/home/user/workspace",
						autostartServices: session.kind !== "setup",
					}),
				],
				egress: [
					{ name: "llm", url: remote ? (llm.publicBaseUrl ?? llm.baseUrl) : llm.baseUrl },
					{
						name: "gateway",
						url: this.deps.gatewayUrl(),
						// The relay forwards only this session's tool callbacks (docs/specs/sandbox-providers.md).
						allow: [{ method: "POST", path: `/sessions/${this.sessionId}/tools/*` }],
					},
				],
			};
			let sandbox: SandboxHandle | undefined;
			if (!previous && !session.snapshotId) sandbox = await this.claimWarm(provider, setup);
			if (!sandbox) {
				await this.status(
					"starting",
					previous || session.snapshotId
						? "Restoring the sandbox"
						: "Creating the sandbox and cloning the repository",
					0.25,
				);
				sandbox = await provider.ensureSandbox({
					...setup,
					...(previous ? { sandboxId: previous.providerSandboxId } : {}),
					// Also given with a paused sandbox: a provider that forgot its pause (restart) restores it.
					...(session.snapshotId ? { snapshotId: session.snapshotId } : {}),
					lifetimeSeconds: this.deps.sandboxLifetimeSeconds,
					// The repository's service ports, open from the start (Modal cannot add tunnels later).
					ports: savedServices.flatMap((service) => (service.port ? [service.port] : [])),
				});
			}
			if (previous && previous.providerSandboxId !== sandbox.sandboxId) {
				// Restored into a new sandbox (the old one was gone): retire the old record.
				await sandboxes.updateSandboxState(services, {
					organizationId: this.organizationId,
					sandboxId: previous.id,
					state: "terminated",
					reason: "replaced",
				});
			}
			const record =
				previous && previous.providerSandboxId === sandbox.sandboxId
					? previous
					: await sandboxes.recordSandbox(services, {
							organizationId: this.organizationId,
							sessionId: this.sessionId,
							provider: sandbox.provider,
							providerSandboxId: sandbox.sandboxId,
							state: "running",
							expiresAt: sandbox.expiresAt,
							endpoints: Object.fromEntries(
								Object.entries(sandbox.ports).map(([port, url]) => [`port:${port}`, url]),
							),
						});
			if (remote && agent.helpersDigest) this.checkImage(provider, sandbox.sandboxId, agent.helpersDigest);
			const opencodeUrl = sandbox.ports[OPENCODE_PORT];
			if (!opencodeUrl) throw new Error("the sandbox did not expose OpenCode's port");
			await this.status("starting", "Starting the agent", 0.6);
			const handle = sandbox;
			const runtime = new AgentRuntime({
				baseUrl: opencodeUrl,
				password: spec.serverPassword,
				readLog: async () => Buffer.from(await provider.readFile(handle.sandboxId, spec.logPath)).toString(),
			});
			await runtime.waitUntilReady(120_000);
			await runtime.waitForMcpServers(["proliferate"], 30_000);
			let opencodeSessionId = session.agentSessionId;
			if (!opencodeSessionId || !(await runtime.sessionExists(opencodeSessionId))) {
				opencodeSessionId = await runtime.createSession(session.title);
			}
			const resumed = await this.takeOverTurn(runtime, opencodeSessionId);
			const bridge = new AbortController();
			const live: Live = {
				provider,
				sandbox,
				sandboxRecordId: record.id,
				agent: runtime,
				opencodeSessionId,
				bridge,
			};
			this.startBridge(live, sandbox.workspaceDir, resumed);
			await sessions.transitionSession(services, {
				...this.scope(),
				to: "running",
				fields: {
					sandboxId: record.id,
					agentSessionId: opencodeSessionId,
					sandboxProvider: sandbox.provider,
				},
			});
			this.live = live;
			this.watchStops(live);
			this.scheduleMigration(live);
			await this.status("running", "Ready", 1);
			logger.info(
				{
					sessionId: this.sessionId,
					provider: sandbox.provider,
					sandboxId: sandbox.sandboxId,
					recovered: sandbox.recovered,
				},
				"session runtime ready",
			);
			return live;
		} catch (error) {
			const reason = errorMessage(error);
			if (this.deps.stillOwner?.() === false) {
				// Another instance owns the session now: its state is not ours to write.
				logger.warn({ err: error, sessionId: this.sessionId }, "session boot ended after losing the session");
				throw error;
			}
			logger.error({ err: error, sessionId: this.sessionId }, "session boot failed");
			await this.revokeLlmAccess();
			await sessions
				.transitionSession(services, { ...this.scope(), to: "failed", reason: reason.slice(0, 2000) })
				.catch(() => {});
			await this.deps.publish({
				type: "error",
				code: error instanceof DomainError ? error.code : "BOOT_FAILED",
				message: reason,
			});
			await this.status("failed", reason.split("\n")[0]);
			throw error;
		}
	}

	/** Warns (in the background, once per provider) when a remote image carries other helpers than this gateway. */
	private checkImage(provider: SandboxProvider, sandboxId: string, expected: string): void {
		if (checkedImages.has(provider.type)) return;
		checkedImages.add(provider.type);
		void imageHelpersStatus(provider, sandboxId, expected).then(
			(status) => {
				if (status === "match") return;
				this.deps.logger.warn(
					{ provider: provider.type, status },
					status === "missing"
						? "the sandbox image records no helpers digest: rebuild it from packages/modal-sandbox"
						: "the sandbox image carries other platform helpers (sandbox-mcp, agent tools) than this gateway: rebuild it from packages/modal-sandbox",
				);
			},
			() => checkedImages.delete(provider.type),
		);
	}

	/**
	 * A sandbox from the warm pool, set up for this session; undefined when the pool has none (or
	 * the claimed one fails to take the session: it is removed and the caller creates a fresh one).
	 */
	private async claimWarm(
		provider: SandboxProvider,
		setup: ClaimSandboxOptions,
	): Promise<SandboxHandle | undefined> {
		const warm = await this.deps.warmPool?.claim(provider.type, this.scope()).catch((error: unknown) => {
			this.deps.logger.warn({ err: error, sessionId: this.sessionId }, "warm pool claim failed");
			return null;
		});
		if (!warm) return undefined;
		await this.status(
			"starting",
			setup.repo ? "Cloning the repository into a warm sandbox" : "Preparing a warm sandbox",
			0.25,
		);
		try {
			return await provider.claimSandbox(warm.handle.sandboxId, setup);
		} catch (error) {
			this.deps.logger.warn(
				{ err: error, sessionId: this.sessionId, sandboxId: warm.handle.sandboxId },
				"the warm sandbox could not take the session; creating one",
			);
			await provider.terminate(warm.handle.sandboxId).catch(() => {});
			return undefined;
		}
	}

	/**
	 * After a takeover in the middle of a turn (the log says the agent was working): when OpenCode
	 * is still on it (the sandbox survived, its event stream is adopted), answers what was already
	 * published so the bridge continues the turn from there; when it is not (the sandbox was
	 * rebooted), closes the turn with final events: open messages completed as interrupted, an
	 * error saying so, and the session idle.
	 */
	private async takeOverTurn(
		agent: AgentRuntime,
		opencodeSessionId: string,
	): Promise<TurnState["openMessages"] | undefined> {
		const turn = this.deps.turnState?.();
		if (!turn?.busy) return undefined;
		if (await agent.isBusy(opencodeSessionId).catch(() => false)) return turn.openMessages;
		const reason = "the gateway instance running this session stopped during the agent's turn";
		for (const [messageId, parts] of turn.openMessages) {
			await this.deps.publish({
				type: "message.completed",
				messageId,
				text: [...parts.values()].join(""),
				finishReason: "error",
				error: `Interrupted: ${reason}`,
			});
		}
		await this.deps.publish({
			type: "error",
			code: "TURN_INTERRUPTED",
			message: `The agent's turn was interrupted: ${reason}. The session goes on; send the prompt again to continue.`,
			retryable: true,
		});
		await this.deps.publish({ type: "session.status", status: "idle", message: "The turn was interrupted" });
		return undefined;
	}

	private startBridge(live: Live, workspaceDir: string, resumed?: TurnState["openMessages"]): void {
		const mapper = new OpencodeEventMapper(live.opencodeSessionId, workspaceDir);
		if (resumed) mapper.resume(resumed);
		void (async () => {
			let gaveUp = false;
			let caughtUp = !resumed;
			for await (const event of live.agent.events(live.bridge.signal)) {
				if (!caughtUp) {
					// Subscribed: now the text streamed while nobody listened can be fetched without a gap.
					caughtUp = true;
					const messages = await live.agent.messages(live.opencodeSessionId);
					for (const input of mapper.catchUp(messages as Parameters<typeof mapper.catchUp>[0]))
						await this.deps.publish(input);
				}
				for (const input of mapper.map(event)) await this.deps.publish(input);
				const exhausted = modelRetriesExhausted(event, live.opencodeSessionId);
				if (exhausted && !gaveUp) {
					gaveUp = true;
					await this.deps.publish({
						type: "error",
						code: "MODEL_UNAVAILABLE",
						message: exhausted.message,
						retryable: true,
					});
					await live.agent.abort(live.opencodeSessionId).catch(() => {});
				}
				if (event.type === "session.idle") gaveUp = false;
			}
		})().catch((error: unknown) => {
			if (!live.bridge.signal.aborted)
				this.deps.logger.error({ err: error, sessionId: this.sessionId }, "event bridge failed");
		});
	}

	async prompt(input: {
		text: string;
		images?: string[];
		source: MessageSource;
		senderId?: string;
	}): Promise<{ messageId: string }> {
		const live = this.live ?? (await this.readyForPrompt());
		const messageId = `usr_${randomUUID()}`;
		await this.deps.publish({
			type: "message.started",
			messageId,
			role: "user",
			text: input.text,
			source: input.source,
			...(input.senderId ? { senderId: input.senderId } : {}),
		});
		try {
			await live.agent.prompt(live.opencodeSessionId, {
				text: input.text,
				...(input.images ? { images: input.images } : {}),
			});
		} catch (error) {
			throw await this.promptFailed(live, error);
		}
		await sessions.touchSession(this.deps.services, this.scope());
		return { messageId };
	}

	async cancel(): Promise<void> {
		const live = this.requireLive();
		await live.agent.abort(live.opencodeSessionId);
	}

	async runCommand(command: string) {
		const live = this.requireLive();
		return live.provider.exec(live.sandbox.sandboxId, command, {
			allowFailure: true,
			timeoutMs: 120_000,
		});
	}

	async snapshot(): Promise<{ snapshotId: string }> {
		const live = this.requireLive();
		const snapshot = await live.provider.snapshot(live.sandbox.sandboxId);
		const session = await sessions.getSession(this.deps.services, this.scope());
		await sessions.transitionSession(this.deps.services, {
			...this.scope(),
			to: session.status,
			fields: { snapshotId: snapshot.snapshotId },
		});
		return { snapshotId: snapshot.snapshotId };
	}

	async pause(reason = "paused"): Promise<{ snapshotId: string }> {
		const live = this.requireLive();
		this.live = undefined;
		this.endStopWatch();
		live.bridge.abort();
		const snapshot = await live.provider.pause(live.sandbox.sandboxId);
		await this.revokeLlmAccess();
		await sandboxes.updateSandboxState(this.deps.services, {
			organizationId: this.organizationId,
			sandboxId: live.sandboxRecordId,
			state: "paused",
		});
		await sessions.transitionSession(this.deps.services, {
			...this.scope(),
			to: "paused",
			reason,
			fields: { snapshotId: snapshot.snapshotId },
		});
		await this.status("paused", reason === "paused" ? "Paused" : reason);
		return { snapshotId: snapshot.snapshotId };
	}

	async terminate(): Promise<void> {
		const live = this.live;
		this.live = undefined;
		this.endStopWatch();
		live?.bridge.abort();
		const session = await sessions.getSession(this.deps.services, this.scope());
		const recordId = live?.sandboxRecordId ?? session.sandboxId;
		if (recordId) {
			const record = await sandboxes
				.getSandbox(this.deps.services, { organizationId: this.organizationId, sandboxId: recordId })
				.catch(() => null);
			if (record) {
				await this.deps.providers.get(record.provider).terminate(record.providerSandboxId);
				await sandboxes.updateSandboxState(this.deps.services, {
					organizationId: this.organizationId,
					sandboxId: record.id,
					state: "terminated",
				});
			}
		}
		await this.revokeLlmAccess();
		if (session.status !== "stopped")
			await sessions.transitionSession(this.deps.services, {
				...this.scope(),
				to: "stopped",
				reason: "terminated",
			});
		await this.status("stopped", "Terminated");
	}

	/** Stops bridging events without touching the sandbox (hub eviction, shutdown). */
	detach(): void {
		clearTimeout(this.migrationTimer);
		this.endStopWatch();
		this.live?.bridge.abort();
		this.live = undefined;
	}

	private migrationTimer: NodeJS.Timeout | undefined;

	/** Migrates shortly before the sandbox's lifetime ends (a quarter of it, at most five minutes, before). */
	private scheduleMigration(live: Live): void {
		clearTimeout(this.migrationTimer);
		const expiresAt = live.sandbox.expiresAt?.getTime();
		if (!expiresAt) return;
		const lifetime = expiresAt - Date.now();
		const grace = Math.min(5 * 60_000, Math.max(1000, lifetime / 4));
		this.migrationTimer = setTimeout(
			() => {
				void this.migrate("the sandbox is about to reach the end of its lifetime").catch((error: unknown) => {
					this.deps.logger.error({ err: error, sessionId: this.sessionId }, "migration failed");
				});
			},
			Math.max(0, lifetime - grace),
		);
		this.migrationTimer.unref();
	}

	/**
	 * Moves the session to a fresh sandbox: waits (up to 30 s) for the agent's turn to end, else
	 * aborts it; snapshots; retires the old sandbox; boots a new one from the snapshot. Clients see
	 * `migrating` then `running` status events.
	 */
	async migrate(reason: string): Promise<void> {
		const live = this.live;
		if (!live) return;
		await this.status("migrating", `Moving to a fresh sandbox: ${reason}`);
		const deadline = Date.now() + 30_000;
		while (this.deps.isAgentBusy?.() && Date.now() < deadline)
			await new Promise((resolve) => setTimeout(resolve, 250));
		if (this.deps.isAgentBusy?.()) await live.agent.abort(live.opencodeSessionId).catch(() => {});
		await sessions.transitionSession(this.deps.services, { ...this.scope(), to: "migrating", reason });
		this.live = undefined;
		this.endStopWatch();
		live.bridge.abort();
		const snapshot = await live.provider.snapshot(live.sandbox.sandboxId);
		await sessions.transitionSession(this.deps.services, {
			...this.scope(),
			to: "migrating",
			reason,
			fields: { snapshotId: snapshot.snapshotId },
		});
		await live.provider.terminate(live.sandbox.sandboxId);
		await this.revokeLlmAccess();
		await sandboxes.updateSandboxState(this.deps.services, {
			organizationId: this.organizationId,
			sandboxId: live.sandboxRecordId,
			state: "terminated",
			reason: "migrated",
		});
		await this.ensureReady();
	}

	private endWatch: (() => void) | undefined;

	/** Follows the live sandbox for stops the session did not ask for (see sandbox-stops.ts). */
	private watchStops(live: Live): void {
		this.endStopWatch();
		this.endWatch = this.deps.stops?.watch(live.provider, live.sandbox.sandboxId, (stop) => {
			void this.sandboxStopped(live, stop).catch((error: unknown) => {
				this.deps.logger.error({ err: error, sessionId: this.sessionId }, "recording a sandbox stop failed");
			});
		});
	}

	private endStopWatch(): void {
		this.endWatch?.();
		this.endWatch = undefined;
	}

	/**
	 * The live sandbox stopped on its own (limit, expiry, kill, provider error): the session stops
	 * acting on it, the sandbox is retired (resume restores the last snapshot, else starts afresh),
	 * the session is `failed` with the reason in the database, and clients get a `session.status`
	 * with the stop's kind, which also ends any running turn. Ignored when the session itself
	 * stopped the sandbox (pause, terminate, migration clear `live` first).
	 */
	async sandboxStopped(live: Live, stop: SandboxStop): Promise<void> {
		if (this.live !== live) return;
		this.live = undefined;
		this.endStopWatch();
		clearTimeout(this.migrationTimer);
		live.bridge.abort();
		const { services, logger } = this.deps;
		logger.warn(
			{ sessionId: this.sessionId, sandboxId: live.sandbox.sandboxId, kind: stop.kind, reason: stop.message },
			"the session's sandbox stopped on its own",
		);
		// Another instance owns the session now: the stop is its to find (at its next boot), not ours to write.
		if (this.deps.stillOwner?.() === false) return;
		await this.revokeLlmAccess();
		await live.provider.terminate(live.sandbox.sandboxId).catch((error: unknown) => {
			logger.warn({ err: error, sessionId: this.sessionId }, "removing the stopped sandbox failed");
		});
		await sandboxes.updateSandboxState(services, {
			organizationId: this.organizationId,
			sandboxId: live.sandboxRecordId,
			state: "terminated",
			reason: stop.message.slice(0, 2000),
		});
		const session = await sessions.transitionSession(services, {
			...this.scope(),
			to: "failed",
			reason: stop.message.slice(0, 2000),
		});
		// The turn that was running ends here: its open messages are completed as interrupted.
		for (const [messageId, parts] of this.deps.turnState?.().openMessages ?? []) {
			await this.deps.publish({
				type: "message.completed",
				messageId,
				text: [...parts.values()].join(""),
				finishReason: "error",
				error: `Interrupted: the sandbox stopped (${stop.message})`,
			});
		}
		await this.deps.publish({
			type: "session.status",
			status: "failed",
			message: `The sandbox stopped: ${stop.message}`,
			stopReason: { ...stop, canResume: session.snapshotId !== null },
		});
	}

	/** A prompt without a live sandbox: a failed or stopped session is resumed by a person, not by a prompt. */
	private async readyForPrompt(): Promise<Live> {
		const session = await sessions.getSession(this.deps.services, this.scope());
		if (session.status === "failed" || session.status === "stopped")
			throw new SessionNotRunningError(this.sessionId, session.status, session.statusReason);
		return this.ensureReady();
	}

	/**
	 * OpenCode did not take a prompt after `message.started` went out. Either the sandbox stopped
	 * (recorded as a stop; the caller gets SESSION_NOT_RUNNING) or the agent is not answering (an
	 * `error` event with AGENT_UNAVAILABLE and the turn ends with `idle`). Driver text stays in the log.
	 */
	private async promptFailed(live: Live, error: unknown): Promise<DomainError> {
		this.deps.logger.warn({ err: error, sessionId: this.sessionId }, "OpenCode did not take the prompt");
		const stop =
			stopFromError(error) ??
			(await live.provider
				.status(live.sandbox.sandboxId)
				.then(stopFromStatus, (statusError: unknown) => stopFromError(statusError)));
		if (stop) {
			await this.sandboxStopped(live, stop);
			return new SessionNotRunningError(this.sessionId, "failed", stop.message);
		}
		const failure = new AgentUnavailableError();
		await this.deps.publish({ type: "error", code: failure.code, message: failure.message, retryable: true });
		await this.status("idle", "The agent did not take the prompt");
		return failure;
	}

	private sandboxMcpToken(): string {
		return deriveSandboxMcpToken(this.sessionId, this.deps.agent.passwordSecret);
	}

	/** Where the gateway reaches the session's sandbox-mcp, and the token it must send. */
	async sandboxMcp(): Promise<{ url: string; token: string }> {
		const live = this.requireLive();
		const url =
			live.sandbox.ports[SANDBOX_MCP_PORT] ??
			(await live.provider.resolvePortUrl(live.sandbox.sandboxId, SANDBOX_MCP_PORT));
		return { url, token: this.sandboxMcpToken() };
	}

	/** The host URL of a port inside the session's sandbox (exposing it on first use). */
	async resolvePort(port: number): Promise<string> {
		const live = this.requireLive();
		return live.provider.resolvePortUrl(live.sandbox.sandboxId, port);
	}

	/** A file of the workspace (path relative to it), as bytes. */
	async readWorkspaceFile(path: string): Promise<Uint8Array> {
		const live = this.requireLive();
		return live.provider.readFile(live.sandbox.sandboxId, path);
	}

	/** Rewrites the saved service commands in the live sandbox, so sandbox-mcp lists them at once. */
	async writeSavedServices(commands: { name: string; command: string; cwd?: string; port?: number }[]) {
		const live = this.requireLive();
		await live.provider.writeFile(live.sandbox.sandboxId, savedServicesPath, JSON.stringify(commands));
	}

	async writeEnvValues(values: Record<string, string>): Promise<void> {
		const live = this.requireLive();
		const path = "/home/user/.proliferate/env.json";
		let existing: Record<string, string> = {};
		try {
			existing = JSON.parse(
				Buffer.from(await live.provider.readFile(live.sandbox.sandboxId, path)).toString(),
			);
		} catch {
			existing = {};
		}
		await live.provider.writeFile(
			live.sandbox.sandboxId,
			path,
			JSON.stringify({ ...existing, ...values }, null, 2),
			{ mode: 0o600 },
		);
	}
}
