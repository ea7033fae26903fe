import { sessions } from "@proliferate/services";
import { bootSession } from "./boot";
import { GitOperations } from "./git-operations";
import { pauseSession, recordSandboxStop, snapshotSession, terminateSession } from "./lifecycle";
import { leaveSandbox, migrationDelayMs } from "./migration";
import { openPullRequest, type PullRequestInput, type PullRequestResult } from "./pull-requests";
import { runCommand, sandboxMcpEndpoint, writeEnvValues, writeSavedServices } from "./sandbox-access";
import type { SandboxStop } from "./sandbox-stops";
import {
	type LiveSession,
	SessionContext,
	type SessionControllerDeps,
	SessionNotRunningError,
} from "./session-context";
import { type PromptInput, sendPrompt } from "./turns";
import { pauseUnattendedSession, type UnattendedOutcome } from "./unattended";

export {
	type AgentSettings,
	type SessionControllerDeps,
	SessionNotRunningError,
	type TurnState,
} from "./session-context";

/**
 * One session's sandbox and agent on this gateway instance: boots (or recovers, or resumes) the
 * sandbox with OpenCode (`boot.ts`), bridges OpenCode's events into the session's log
 * (`event-bridge.ts`), runs prompts (`turns.ts`), pauses, terminates and snapshots
 * (`lifecycle.ts`), migrates before the sandbox expires (`migration.ts`) and notices stops it did
 * not ask for. This class holds the live sandbox and the timers; the work is in those files.
 */
export class SessionController {
	private live: LiveSession | undefined;
	private booting: Promise<LiveSession> | undefined;
	private migrationTimer: NodeJS.Timeout | undefined;
	private endStopWatch: (() => void) | undefined;
	private readonly context: SessionContext;
	readonly git: GitOperations;

	constructor(
		readonly sessionId: string,
		readonly organizationId: string,
		private readonly deps: SessionControllerDeps,
	) {
		this.context = new SessionContext(sessionId, organizationId, deps);
		this.git = new GitOperations(() => {
			const live = this.requireLive();
			return { provider: live.provider, sandboxId: live.sandbox.sandboxId };
		});
	}

	get ready(): boolean {
		return this.live !== undefined;
	}

	/** Boots the session once; concurrent callers share the same boot. */
	ensureReady(): Promise<LiveSession> {
		if (this.live) return Promise.resolve(this.live);
		this.booting ??= bootSession(this.context, (live) => this.attach(live)).finally(() => {
			this.booting = undefined;
		});
		return this.booting;
	}

	async prompt(input: PromptInput): Promise<{ messageId: string }> {
		const live = this.live ?? (await this.readyForPrompt());
		return sendPrompt(this.context, live, input, (stop) => this.sandboxStopped(live, stop));
	}

	async cancel(): Promise<void> {
		const live = this.requireLive();
		await live.agent.abort(live.opencodeSessionId);
	}

	/** Pushes the current branch and opens (or finds) its pull request on GitHub. */
	openPullRequest(input: PullRequestInput): Promise<PullRequestResult> {
		this.requireLive();
		return openPullRequest(
			{ services: this.deps.services, github: this.deps.github, git: this.git, scope: this.context.scope() },
			input,
		);
	}

	snapshot(): Promise<{ snapshotId: string }> {
		return snapshotSession(this.context, this.requireLive());
	}

	pause(reason = "paused"): Promise<{ snapshotId: string }> {
		const live = this.requireLive();
		this.release(live);
		return pauseSession(this.context, live, reason);
	}

	/**
	 * Pauses the session without a live sandbox here (its previous gateway died), asking the
	 * provider for the sandbox on record; see `pauseUnattendedSession`. A live session pauses as usual.
	 */
	async pauseUnattended(reason: string): Promise<UnattendedOutcome> {
		if (this.live) {
			const { snapshotId } = await this.pause(reason);
			return { action: "paused", status: "paused", reason, snapshotId };
		}
		return pauseUnattendedSession(this.context, reason);
	}

	async terminate(): Promise<void> {
		const live = this.live;
		this.release(live);
		await terminateSession(this.context, live);
	}

	/** Stops bridging events without touching the sandbox (hub eviction, shutdown). */
	detach(): void {
		this.release(this.live);
	}

	/**
	 * Moves the session to a fresh sandbox (snapshot, old sandbox retired, boot from the snapshot);
	 * clients see `migrating` then `running` status events.
	 */
	async migrate(reason: string): Promise<void> {
		const live = this.live;
		if (!live) return;
		await leaveSandbox(this.context, live, reason, () => this.release(live));
		await this.ensureReady();
	}

	/**
	 * The live sandbox stopped on its own (limit, expiry, kill, provider error); see
	 * `recordSandboxStop`. Ignored when the session itself stopped the sandbox (pause, terminate,
	 * migration let go of `live` first).
	 */
	async sandboxStopped(live: LiveSession, stop: SandboxStop): Promise<void> {
		if (this.live !== live) return;
		this.release(live);
		await recordSandboxStop(this.context, live, stop);
	}

	/** Where the gateway reaches the session's sandbox-mcp, and the token it must send. */
	sandboxMcp(): Promise<{ url: string; token: string }> {
		return sandboxMcpEndpoint(this.context, this.requireLive());
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

	async runCommand(command: string) {
		return runCommand(this.requireLive(), command);
	}

	/** Rewrites the saved service commands in the live sandbox, so sandbox-mcp lists them at once. */
	async writeSavedServices(commands: { name: string; command: string; cwd?: string; port?: number }[]) {
		await writeSavedServices(this.requireLive(), commands);
	}

	async writeEnvValues(values: Record<string, string>): Promise<void> {
		await writeEnvValues(this.requireLive(), values);
	}

	private requireLive(): LiveSession {
		if (!this.live) throw new SessionNotRunningError(this.sessionId, "not running");
		return this.live;
	}

	/** A prompt without a live sandbox: a failed or stopped session is resumed by a person, not by a prompt. */
	private async readyForPrompt(): Promise<LiveSession> {
		const session = await sessions.getSession(this.deps.services, this.context.scope());
		if (session.status === "failed" || session.status === "stopped")
			throw new SessionNotRunningError(this.sessionId, session.status, session.statusReason);
		return this.ensureReady();
	}

	/** A boot finished: the session is live, watched for stops, and its migration is scheduled. */
	private attach(live: LiveSession): void {
		this.live = live;
		this.watchStops(live);
		this.scheduleMigration(live);
	}

	/**
	 * Lets go of the live sandbox before anything is done to it: no more events bridged, no stop
	 * watch (stops the session asks for are never reported), no migration pending.
	 */
	private release(live: LiveSession | undefined): void {
		clearTimeout(this.migrationTimer);
		this.endStopWatch?.();
		this.endStopWatch = undefined;
		live?.bridge.abort();
		this.live = undefined;
	}

	/** Follows the live sandbox for stops the session did not ask for (see sandbox-stops.ts). */
	private watchStops(live: LiveSession): void {
		this.endStopWatch?.();
		this.endStopWatch = this.deps.stops?.watch(live.provider, live.sandbox.sandboxId, (stop) => {
			void this.sandboxStopped(live, stop).catch((error: unknown) => {
				this.deps.logger.error({ err: error, sessionId: this.sessionId }, "recording a sandbox stop failed");
			});
		});
	}

	/** Migrates shortly before the sandbox's lifetime ends (a quarter of it, at most five minutes, before). */
	private scheduleMigration(live: LiveSession): void {
		clearTimeout(this.migrationTimer);
		const expiresAt = live.sandbox.expiresAt?.getTime();
		if (!expiresAt) return;
		this.migrationTimer = setTimeout(() => {
			void this.migrate("the sandbox is about to reach the end of its lifetime").catch((error: unknown) => {
				this.deps.logger.error({ err: error, sessionId: this.sessionId }, "migration failed");
			});
		}, migrationDelayMs(expiresAt));
		this.migrationTimer.unref();
	}
}
