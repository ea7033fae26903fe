import { createSilentLogger, type Logger } from "@proliferate/logger";
import {
	type CreateSandboxOptions,
	DomainError,
	type ProviderHealth,
	SandboxCommandError,
	SandboxProviderError,
	type SandboxProviderType,
	type SandboxState,
} from "@proliferate/shared";
import { type RemoteSandboxState, STATE_FILE, writeEnvironmentScript } from "./sandbox-state";
import { redactSecrets, tail } from "./shell";

/** What may be done to a paused sandbox; anything else is refused until it is resumed. */
const PAUSED_OPERATIONS = new Set(["resume", "status", "terminate", "snapshot"]);

/** Work asked of a paused sandbox (resume it first). */
export class SandboxPausedError extends DomainError {
	constructor(sandboxId: string) {
		super("precondition_failed", "SANDBOX_PAUSED", `sandbox ${sandboxId} is paused; resume it first`, {
			sandboxId,
		});
	}
}

export interface RawRunResult {
	exitCode: number;
	stdout: string;
	stderr: string;
	timedOut: boolean;
}

export interface RawCreateParams {
	/** Provider-chosen id (Modal names sandboxes with it; E2B returns its own). */
	name: string;
	snapshotId?: string;
	env: Record<string, string>;
	lifetimeSeconds: number;
	resources?: CreateSandboxOptions["resources"];
	metadata: Record<string, string>;
	/** Ports the sandbox's processes listen on (Modal must open tunnels at creation). */
	ports: number[];
}

export interface RawStatus {
	state: SandboxState;
	expiresAt: Date | null;
	reason?: string;
}

export interface RemoteProviderOptions {
	logger?: Logger;
	defaultLifetimeSeconds?: number;
	/** Attempts for transient provider failures (rate limits, 5xx, dropped connections). */
	retries?: number;
	/** First retry delay in ms; doubles each attempt. */
	retryDelayMs?: number;
}

/**
 * The primitives each remote provider translates to its SDK, and the calls over them every
 * operation shares: retries for transient failures, typed errors for the rest, refusal of work on
 * a paused sandbox, and the state file a sandbox keeps about itself.
 */
export abstract class RemoteSandboxPrimitives {
	abstract readonly type: SandboxProviderType;
	protected readonly logger: Logger;
	protected readonly lifetimeSeconds: number;
	private readonly retries: number;
	private readonly retryDelayMs: number;
	/** Pause snapshots, to resume without the caller passing one; rebuilt from the caller otherwise. */
	protected readonly pauseSnapshots = new Map<string, string>();

	constructor(options: RemoteProviderOptions) {
		this.logger = options.logger ?? createSilentLogger();
		this.lifetimeSeconds = options.defaultLifetimeSeconds ?? 3600;
		this.retries = options.retries ?? 3;
		this.retryDelayMs = options.retryDelayMs ?? 250;
	}

	protected abstract rawCreate(
		params: RawCreateParams,
	): Promise<{ sandboxId: string; expiresAt: Date | null }>;
	/** Run a bash script; resolves with the exit code (never throws for non-zero exits). */
	protected abstract rawRun(
		sandboxId: string,
		script: string,
		options: { timeoutMs: number; stdin?: Uint8Array },
	): Promise<RawRunResult>;
	protected abstract rawRead(sandboxId: string, path: string): Promise<Uint8Array>;
	protected abstract rawWrite(sandboxId: string, path: string, content: Uint8Array): Promise<void>;
	protected abstract rawSnapshot(
		sandboxId: string,
	): Promise<{ snapshotId: string; sizeBytes: number | null }>;
	/** Stop the sandbox after `rawSnapshot` (E2B: native pause; Modal: terminate). */
	protected abstract rawPause(sandboxId: string): Promise<void>;
	/** Bring a paused sandbox back under the same id; false when it cannot (then it is restored). */
	protected abstract rawResume(sandboxId: string, lifetimeSeconds: number): Promise<boolean>;
	protected abstract rawTerminate(sandboxId: string): Promise<void>;
	/** null when the provider does not know the sandbox. */
	protected abstract rawStatus(sandboxId: string): Promise<RawStatus | null>;
	protected abstract rawPortUrl(sandboxId: string, port: number): Promise<string>;
	protected abstract rawHealth(): Promise<ProviderHealth>;
	/** Map an SDK error to a typed error (SandboxNotFoundError, …) or return null to wrap it. */
	protected abstract mapError(error: unknown, sandboxId: string | null): DomainError | null;
	/** Whether an SDK error is worth retrying. */
	protected abstract isTransient(error: unknown): boolean;

	/** Run an SDK call with retries for transient failures and typed errors for the rest. */
	protected async call<T>(operation: string, sandboxId: string | null, fn: () => Promise<T>): Promise<T> {
		if (sandboxId && this.pauseSnapshots.has(sandboxId) && !PAUSED_OPERATIONS.has(operation)) {
			throw new SandboxPausedError(sandboxId);
		}
		try {
			return await this.withRetry(operation, sandboxId, fn);
		} catch (error) {
			if (error instanceof DomainError) throw error;
			throw this.mapError(error, sandboxId) ?? this.wrap(error, operation, sandboxId);
		}
	}

	protected async withRetry<T>(
		operation: string,
		sandboxId: string | null,
		fn: () => Promise<T>,
	): Promise<T> {
		for (let attempt = 0; ; attempt++) {
			try {
				return await fn();
			} catch (error) {
				if (attempt >= this.retries || !this.isTransient(error)) throw error;
				const delay = this.retryDelayMs * 2 ** attempt;
				this.logger.warn(
					{ operation, sandboxId, attempt: attempt + 1, delay, error: String(error) },
					"transient provider failure, retrying",
				);
				await new Promise((resolve) => setTimeout(resolve, delay));
			}
		}
	}

	protected wrap(error: unknown, operation: string, sandboxId: string | null): SandboxProviderError {
		const message = error instanceof Error ? error.message : String(error);
		return new SandboxProviderError(this.type, operation, redactSecrets(message), {
			...(sandboxId ? { sandboxId } : {}),
			cause: error instanceof Error ? error.name : typeof error,
		});
	}

	protected async runChecked(sandboxId: string, script: string): Promise<RawRunResult> {
		const result = await this.call("exec", sandboxId, () =>
			this.rawRun(sandboxId, script, { timeoutMs: 60_000 }),
		);
		if (result.exitCode !== 0 || result.timedOut) {
			throw new SandboxCommandError({
				command: script,
				exitCode: result.timedOut ? null : result.exitCode,
				signal: null,
				timedOut: result.timedOut,
				outputTail: tail(result.stdout + result.stderr),
			});
		}
		return result;
	}

	protected async readState(sandboxId: string): Promise<RemoteSandboxState | null> {
		try {
			return JSON.parse(
				Buffer.from(await this.rawRead(sandboxId, STATE_FILE)).toString(),
			) as RemoteSandboxState;
		} catch {
			return null;
		}
	}

	/** Records the sandbox's state and rewrites its environment file (mode 600: it may hold secrets). */
	protected async writeState(
		sandboxId: string,
		state: RemoteSandboxState,
		env: Record<string, string>,
	): Promise<void> {
		await this.rawWrite(sandboxId, STATE_FILE, Buffer.from(JSON.stringify(state, null, 2)));
		await this.runChecked(sandboxId, writeEnvironmentScript(env));
	}
}
