import { AgentRuntime, OPENCODE_PORT, type OpencodeBootSpec } from "@proliferate/agent-runtime";
import { orgs, repos, sandboxes, sessions } from "@proliferate/services";
import {
	type ClaimSandboxOptions,
	DomainError,
	errorMessage,
	type SandboxHandle,
	type SandboxProvider,
	type SandboxProviderType,
} from "@proliferate/shared";
import { renderEnvFiles } from "./env-files";
import { startEventBridge } from "./event-bridge";
import { imageHelpersStatus } from "./sandbox-runtime";
import { sandboxSetup } from "./sandbox-setup";
import { type LiveSession, type SessionContext, SessionNotRunningError } from "./session-context";
import { takeOverTurn } from "./turns";

type SessionRow = Awaited<ReturnType<typeof sessions.getSession>>;
type SandboxRow = Awaited<ReturnType<typeof sandboxes.getSandbox>>;

/** Providers whose image this process has checked (once is enough: every sandbox starts from it). */
const checkedImages = new Set<string>();

/**
 * Boots (or recovers, or resumes) the session's sandbox with OpenCode: `starting` with progress
 * events, the provider chosen, a warm or provided sandbox recorded, OpenCode and its platform tools
 * ready, a surviving turn taken over, the event bridge started, then `running`. `attach` makes the
 * session live before the `running` status goes out. A failed boot leaves the session `failed`
 * (unless another instance owns it now) and publishes the error.
 */
export async function bootSession(
	context: SessionContext,
	attach: (live: LiveSession) => void,
): Promise<LiveSession> {
	const { services, agent, logger } = context.deps;
	const { sessionId, organizationId } = context;
	let session = await sessions.getSession(services, context.scope());
	if (session.status === "stopped") throw new SessionNotRunningError(sessionId, session.status);
	if (session.status !== "starting") {
		session = await sessions.transitionSession(services, { ...context.scope(), to: "starting" });
	}
	try {
		await context.status("starting", "Preparing the sandbox", 0.1);
		const repo = session.repoId
			? await repos.getRepo(services, { organizationId, repoId: session.repoId })
			: null;
		const found = session.sandboxId
			? await sandboxes
					.getSandbox(services, { organizationId, sandboxId: session.sandboxId })
					.catch(() => null)
			: null;
		const previous = found && found.state !== "terminated" ? found : null;
		const provider = context.deps.providers.get(await providerType(context, session, previous));
		const { setup, spec, savedServices, secretEnvironment } = await sandboxSetup(context, {
			session,
			repo,
			provider,
		});
		const { sandbox, record } = await obtainSandbox(context, {
			provider,
			setup,
			previous,
			snapshotId: session.snapshotId,
			// The repository's service ports, open from the start (Modal cannot add tunnels later).
			ports: savedServices.flatMap((service) => (service.port ? [service.port] : [])),
		});
		// Every boot (new, warm claim, recovery, resume, restore): snapshots hold no env files.
		await renderEnvFiles(context, {
			provider,
			sandboxId: sandbox.sandboxId,
			repoId: repo?.id ?? null,
			environment: secretEnvironment,
		});
		if (provider.type !== "local" && agent.helpersDigest)
			checkImage(context, provider, sandbox.sandboxId, agent.helpersDigest);
		const live = await startAgent(context, { provider, sandbox, sandboxRecordId: record.id, spec, session });
		await sessions.transitionSession(services, {
			...context.scope(),
			to: "running",
			fields: {
				sandboxId: record.id,
				agentSessionId: live.opencodeSessionId,
				sandboxProvider: sandbox.provider,
			},
		});
		attach(live);
		await context.status("running", "Ready", 1);
		logger.info(
			{ sessionId, provider: sandbox.provider, sandboxId: sandbox.sandboxId, recovered: sandbox.recovered },
			"session runtime ready",
		);
		return live;
	} catch (error) {
		const reason = errorMessage(error);
		if (context.deps.stillOwner?.() === false) {
			// Another instance owns the session now: its state is not ours to write.
			logger.warn({ err: error, sessionId }, "session boot ended after losing the session");
			throw error;
		}
		logger.error({ err: error, sessionId }, "session boot failed");
		await context.revokeLlmAccess();
		await sessions
			.transitionSession(services, { ...context.scope(), to: "failed", reason: reason.slice(0, 2000) })
			.catch(() => {});
		await context.publish({
			type: "error",
			code: error instanceof DomainError ? error.code : "BOOT_FAILED",
			message: reason,
		});
		await context.status("failed", reason.split("\n")[0]);
		throw error;
	}
}

/**
 * Which provider runs the session's sandbox: the one its sandbox or snapshot lives on (they
 * cannot move between providers), else the organization's override, else the deployment default.
 */
async function providerType(
	context: SessionContext,
	session: SessionRow,
	previous: { provider: SandboxProviderType } | null,
): Promise<SandboxProviderType> {
	if (previous) return previous.provider;
	if (session.snapshotId) return session.sandboxProvider;
	const override = await orgs.getSandboxProviderOverride(context.deps.services, {
		organizationId: context.organizationId,
	});
	return override ?? context.deps.providers.defaultType;
}

/**
 * The session's sandbox and its record: a warm one for a new session when the pool has one, else
 * the provider's (the previous sandbox reused, booted again or resumed; the snapshot restored).
 */
async function obtainSandbox(
	context: SessionContext,
	input: {
		provider: SandboxProvider;
		setup: ClaimSandboxOptions;
		previous: SandboxRow | null;
		snapshotId: string | null;
		ports: number[];
	},
): Promise<{ sandbox: SandboxHandle; record: { id: string } }> {
	const { provider, setup, previous, snapshotId } = input;
	const { services } = context.deps;
	const { organizationId } = context;
	let sandbox: SandboxHandle | undefined;
	if (!previous && !snapshotId) sandbox = await claimWarm(context, provider, setup);
	if (!sandbox) {
		await context.status(
			"starting",
			previous || snapshotId ? "Restoring the sandbox" : "Creating the sandbox and cloning the repository",
			0.25,
		);
		sandbox = await provider.ensureSandbox({
			...setup,
			...(previous ? { sandboxId: previous.providerSandboxId } : {}),
			// Also given with a paused sandbox: a provider that forgot its pause (restart) restores it.
			...(snapshotId ? { snapshotId } : {}),
			lifetimeSeconds: context.deps.sandboxLifetimeSeconds,
			ports: input.ports,
		});
	}
	if (previous && previous.providerSandboxId !== sandbox.sandboxId) {
		// Restored into a new sandbox (the old one was gone): retire the old record.
		await sandboxes.updateSandboxState(services, {
			organizationId,
			sandboxId: previous.id,
			state: "terminated",
			reason: "replaced",
		});
	}
	const record =
		previous && previous.providerSandboxId === sandbox.sandboxId
			? previous
			: await sandboxes.recordSandbox(services, {
					organizationId,
					sessionId: context.sessionId,
					provider: sandbox.provider,
					providerSandboxId: sandbox.sandboxId,
					state: "running",
					expiresAt: sandbox.expiresAt,
					endpoints: Object.fromEntries(
						Object.entries(sandbox.ports).map(([port, url]) => [`port:${port}`, url]),
					),
				});
	return { sandbox, record };
}

/**
 * A sandbox from the warm pool, set up for this session; undefined when the pool has none (or
 * the claimed one fails to take the session: it is removed and the caller creates a fresh one).
 */
async function claimWarm(
	context: SessionContext,
	provider: SandboxProvider,
	setup: ClaimSandboxOptions,
): Promise<SandboxHandle | undefined> {
	const { logger, warmPool } = context.deps;
	const warm = await warmPool?.claim(provider.type, context.scope()).catch((error: unknown) => {
		logger.warn({ err: error, sessionId: context.sessionId }, "warm pool claim failed");
		return null;
	});
	if (!warm) return undefined;
	await context.status(
		"starting",
		setup.repo ? "Cloning the repository into a warm sandbox" : "Preparing a warm sandbox",
		0.25,
	);
	try {
		return await provider.claimSandbox(warm.handle.sandboxId, setup);
	} catch (error) {
		logger.warn(
			{ err: error, sessionId: context.sessionId, sandboxId: warm.handle.sandboxId },
			"the warm sandbox could not take the session; creating one",
		);
		await provider.terminate(warm.handle.sandboxId).catch(() => {});
		return undefined;
	}
}

/**
 * Waits for OpenCode (log line + health) and the platform tools' MCP server, reuses or creates
 * the OpenCode session, takes over a turn that was running, and starts the event bridge.
 */
async function startAgent(
	context: SessionContext,
	input: {
		provider: SandboxProvider;
		sandbox: SandboxHandle;
		sandboxRecordId: string;
		spec: OpencodeBootSpec;
		session: SessionRow;
	},
): Promise<LiveSession> {
	const { provider, sandbox, spec, session } = input;
	const opencodeUrl = sandbox.ports[OPENCODE_PORT];
	if (!opencodeUrl) throw new Error("the sandbox did not expose OpenCode's port");
	await context.status("starting", "Starting the agent", 0.6);
	const agent = new AgentRuntime({
		baseUrl: opencodeUrl,
		password: spec.serverPassword,
		readLog: async () => Buffer.from(await provider.readFile(sandbox.sandboxId, spec.logPath)).toString(),
	});
	await agent.waitUntilReady(120_000);
	await agent.waitForMcpServers(["proliferate"], 30_000);
	let opencodeSessionId = session.agentSessionId;
	if (!opencodeSessionId || !(await agent.sessionExists(opencodeSessionId))) {
		opencodeSessionId = await agent.createSession(session.title);
	}
	const resumed = await takeOverTurn(context, agent, opencodeSessionId);
	const live: LiveSession = {
		provider,
		sandbox,
		sandboxRecordId: input.sandboxRecordId,
		agent,
		opencodeSessionId,
		bridge: new AbortController(),
	};
	startEventBridge(context, live, resumed);
	return live;
}

/** Warns (in the background, once per provider) when a remote image carries other helpers than this gateway. */
function checkImage(
	context: SessionContext,
	provider: SandboxProvider,
	sandboxId: string,
	expected: string,
): void {
	if (checkedImages.has(provider.type)) return;
	checkedImages.add(provider.type);
	void imageHelpersStatus(provider, sandboxId, expected).then(
		(status) => {
			if (status === "match") return;
			context.deps.logger.warn(
				{ provider: provider.type, status },
				status === "missing"
					? "the sandbox image records no helpers digest: rebuild it from packages/modal-sandbox"
					: "the sandbox image carries other platform helpers (sandbox-mcp, agent tools) than this gateway: rebuild it from packages/modal-sandbox",
			);
		},
		() => checkedImages.delete(provider.type),
	);
}
