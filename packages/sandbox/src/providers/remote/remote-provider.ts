import { randomBytes } from "node:crypto";
import { createSilentLogger, type Logger } from "@proliferate/logger";
import {
	type ClaimSandboxOptions,
	type CreateSandboxOptions,
	DomainError,
	type ExecOptions,
	type ExecResult,
	PROCESS_LOG_MARKERS,
	type ProviderHealth,
	SANDBOX_GIT_IDENTITY,
	SandboxAlreadyClaimedError,
	SandboxCommandError,
	type SandboxHandle,
	SandboxNotFoundError,
	type SandboxProvider,
	SandboxProviderError,
	type SandboxProviderType,
	type SandboxState,
	type SandboxStatus,
	SandboxTerminatedError,
	type SnapshotRef,
} from "@proliferate/shared";
import {
	commandToShell,
	envExports,
	redactSecrets,
	resolveInsideHome,
	shellQuote,
	signalFromExitCode,
	tail,
} from "./shell";

export const REMOTE_HOME = "/home/user";
export const REMOTE_WORKSPACE = "/home/user/workspace";
const STATE_FILE = "/home/user/.proliferate/sandbox.json";
/**
 * The sandbox-wide environment (egress URLs, the caller's env), sourced by every command and
 * process: a claimed warm sandbox gets its environment after creation, and a restored snapshot's
 * copy is rewritten with the new sandbox's values.
 */
const ENV_FILE = "/home/user/.proliferate/env.sh";
const SOURCE_ENV = `[ -r ${ENV_FILE} ] && . ${ENV_FILE}`;
const DEFAULT_TIMEOUT_MS = 60_000;
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

/** What a remote sandbox remembers about itself (kept in the sandbox, so snapshots carry it). */
export interface RemoteSandboxState {
	processes: NonNullable<CreateSandboxOptions["processes"]>;
	egress: Record<string, string>;
	sessionId: string | null;
	organizationId: string | null;
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
 * The contract on top of a remote sandbox service (E2B, Modal): cloning, files, process boot,
 * typed errors and retries live here; subclasses translate a handful of primitives to their SDK.
 * Processes started at boot are recorded in the sandbox (`~/.proliferate/sandbox.json`) so a fresh
 * provider instance can restart them after a resume or a restore.
 */
export abstract class RemoteSandboxProvider implements SandboxProvider {
	abstract readonly type: SandboxProviderType;
	protected readonly logger: Logger;
	protected readonly lifetimeSeconds: number;
	private readonly retries: number;
	private readonly retryDelayMs: number;
	/** Pause snapshots, to resume without the caller passing one; rebuilt from the caller otherwise. */
	private readonly pauseSnapshots = new Map<string, string>();

	constructor(options: RemoteProviderOptions) {
		this.logger = options.logger ?? createSilentLogger();
		this.lifetimeSeconds = options.defaultLifetimeSeconds ?? 3600;
		this.retries = options.retries ?? 3;
		this.retryDelayMs = options.retryDelayMs ?? 250;
	}

	// ── primitives implemented per provider ──────────────────────────────────────────
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

	// ── the contract ─────────────────────────────────────────────────────────────────
	async health(): Promise<ProviderHealth> {
		try {
			return await this.withRetry("health", null, () => this.rawHealth());
		} catch (error) {
			return { healthy: false, message: error instanceof Error ? error.message : String(error) };
		}
	}

	async ensureSandbox(options: CreateSandboxOptions & { sandboxId?: string }): Promise<SandboxHandle> {
		if (options.sandboxId) {
			const status = await this.call("status", options.sandboxId, () =>
				this.rawStatus(options.sandboxId as string),
			);
			if (status?.state === "running") {
				await this.startProcesses(options.sandboxId);
				return { ...(await this.handleFor(options.sandboxId, status.expiresAt)), recovered: true };
			}
			if (status?.state === "paused" || this.pauseSnapshots.has(options.sandboxId)) {
				return { ...(await this.resume(options.sandboxId, options)), recovered: true };
			}
		}
		const { sandboxId: _ignored, ...rest } = options;
		return this.createSandbox(rest);
	}

	async createSandbox(options: CreateSandboxOptions): Promise<SandboxHandle> {
		return this.createNamed(`sbx-${randomBytes(10).toString("hex")}`, options);
	}

	/** Create a sandbox; `name` becomes its id where the provider lets us choose (Modal). */
	protected async createNamed(name: string, options: CreateSandboxOptions): Promise<SandboxHandle> {
		const started = Date.now();
		const egress = egressUrls(options.egress);
		const env: Record<string, string> = { ...options.env, ...egressEnvironment(egress) };
		const lifetimeSeconds = options.lifetimeSeconds ?? this.lifetimeSeconds;
		const created = await this.call("create", null, () =>
			this.rawCreate({
				name,
				snapshotId: options.snapshotId,
				env,
				lifetimeSeconds,
				resources: options.resources,
				metadata: {
					...(options.sessionId ? { sessionId: options.sessionId } : {}),
					...(options.organizationId ? { organizationId: options.organizationId } : {}),
				},
				ports: [
					...new Set([
						...(options.processes ?? []).flatMap((process) => (process.port ? [process.port] : [])),
						...(options.ports ?? []),
					]),
				],
			}),
		);
		const sandboxId = created.sandboxId;
		this.logger.info({ sandboxId, provider: this.type, ms: Date.now() - started }, "sandbox created");
		try {
			if (!options.snapshotId) {
				await this.runChecked(
					sandboxId,
					[
						`mkdir -p ${REMOTE_WORKSPACE} ${REMOTE_HOME}/.proliferate/logs || exit 1`,
						// Commits need an identity; an image (or template) without one gets the sandbox's default.
						`git config user.name >/dev/null || git config --global user.name ${shellQuote(SANDBOX_GIT_IDENTITY.name)} || exit 1`,
						`git config user.email >/dev/null || git config --global user.email ${shellQuote(SANDBOX_GIT_IDENTITY.email)}`,
					].join("\n"),
				);
			}
			if (options.repo) await this.cloneRepo(sandboxId, options.repo);
			await this.writeFiles(sandboxId, options.files);
			const previous = options.snapshotId ? await this.readState(sandboxId) : null;
			const state: RemoteSandboxState = {
				processes: options.processes ?? previous?.processes ?? [],
				egress: Object.keys(egress).length > 0 ? egress : (previous?.egress ?? {}),
				sessionId: options.sessionId,
				organizationId: options.organizationId,
			};
			await this.writeState(sandboxId, state, { ...options.env, ...egressEnvironment(state.egress) });
			await this.startProcesses(sandboxId, state);
			const handle = await this.handleFor(sandboxId, created.expiresAt, state);
			this.logger.info({ sandboxId, ms: Date.now() - started }, "sandbox ready");
			return handle;
		} catch (error) {
			await this.rawTerminate(sandboxId).catch(() => {});
			if (error instanceof DomainError) throw error;
			throw this.wrap(error, "create", sandboxId);
		}
	}

	async claimSandbox(sandboxId: string, options: ClaimSandboxOptions): Promise<SandboxHandle> {
		const status = await this.call("status", sandboxId, () => this.rawStatus(sandboxId));
		if (!status) throw new SandboxNotFoundError(sandboxId);
		if (status.state !== "running") {
			throw new SandboxTerminatedError(sandboxId, status.reason ?? `the sandbox is ${status.state}`);
		}
		const current = await this.readState(sandboxId);
		if (current?.sessionId) throw new SandboxAlreadyClaimedError(sandboxId);
		const started = Date.now();
		try {
			const egress = { ...current?.egress, ...egressUrls(options.egress) };
			const state: RemoteSandboxState = {
				processes: [...(current?.processes ?? []), ...(options.processes ?? [])],
				egress,
				sessionId: options.sessionId,
				organizationId: options.organizationId,
			};
			// Owned before the slow part, so another claim of the same sandbox is refused.
			await this.writeState(sandboxId, state, { ...options.env, ...egressEnvironment(egress) });
			if (options.repo) await this.cloneRepo(sandboxId, options.repo);
			await this.writeFiles(sandboxId, options.files);
			await this.startProcesses(sandboxId, state);
			const handle = await this.handleFor(sandboxId, status.expiresAt, state);
			this.logger.info({ sandboxId, ms: Date.now() - started }, "warm sandbox claimed");
			return handle;
		} catch (error) {
			await this.rawTerminate(sandboxId).catch(() => {});
			if (error instanceof DomainError) throw error;
			throw this.wrap(error, "claim", sandboxId);
		}
	}

	async exec(sandboxId: string, command: string[] | string, options: ExecOptions = {}): Promise<ExecResult> {
		const text = commandToShell(command);
		const cwd = options.cwd
			? resolveInsideHome(REMOTE_HOME, REMOTE_WORKSPACE, options.cwd)
			: REMOTE_WORKSPACE;
		if (!cwd) {
			throw new DomainError(
				"invalid_input",
				"SANDBOX_PATH_OUTSIDE",
				`cwd ${options.cwd} is outside the sandbox`,
			);
		}
		const script = [
			SOURCE_ENV,
			envExports(options.env),
			`cd ${shellQuote(cwd)} || exit 1`,
			typeof command === "string" ? command : text,
		]
			.filter(Boolean)
			.join("\n");
		const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		const stdin = typeof options.stdin === "string" ? Buffer.from(options.stdin) : options.stdin;
		const started = Date.now();
		const result = await this.call("exec", sandboxId, () =>
			this.rawRun(sandboxId, script, { timeoutMs, stdin }),
		);
		const durationMs = Date.now() - started;
		const signal = result.timedOut ? "SIGKILL" : signalFromExitCode(result.exitCode);
		if (result.timedOut) {
			throw new SandboxCommandError({
				command: text,
				exitCode: null,
				signal,
				timedOut: true,
				outputTail: tail(result.stdout + result.stderr),
			});
		}
		if (result.exitCode < 0 || result.exitCode === 137) {
			// Killed without a shell to report it: the sandbox itself may have stopped under the command.
			const status = await this.call("status", sandboxId, () => this.rawStatus(sandboxId)).catch(() => null);
			if (!status || status.state === "failed" || status.state === "terminated") {
				throw new SandboxTerminatedError(
					sandboxId,
					status?.reason ?? "the sandbox stopped while the command was running",
				);
			}
		}
		if (result.exitCode !== 0 && !options.allowFailure) {
			throw new SandboxCommandError({
				command: text,
				exitCode: result.exitCode,
				signal,
				timedOut: false,
				outputTail: tail(result.stdout + result.stderr),
			});
		}
		return { exitCode: result.exitCode, signal, stdout: result.stdout, stderr: result.stderr, durationMs };
	}

	async readFile(sandboxId: string, path: string): Promise<Uint8Array> {
		const resolved = this.resolvePath(path);
		return this.call("readFile", sandboxId, () => this.rawRead(sandboxId, resolved));
	}

	async writeFile(
		sandboxId: string,
		path: string,
		content: string | Uint8Array,
		options: { mode?: number } = {},
	): Promise<void> {
		const resolved = this.resolvePath(path);
		const bytes = typeof content === "string" ? Buffer.from(content) : content;
		await this.call("writeFile", sandboxId, () => this.rawWrite(sandboxId, resolved, bytes));
		if (options.mode !== undefined) {
			await this.runChecked(
				sandboxId,
				`chmod ${(options.mode & 0o7777).toString(8)} ${shellQuote(resolved)}`,
			);
		}
	}

	async snapshot(sandboxId: string): Promise<SnapshotRef> {
		const snapshot = await this.call("snapshot", sandboxId, () => this.rawSnapshot(sandboxId));
		this.logger.info({ sandboxId, snapshotId: snapshot.snapshotId }, "sandbox snapshotted");
		return { ...snapshot, provider: this.type, createdAt: new Date() };
	}

	async pause(sandboxId: string): Promise<SnapshotRef> {
		const snapshot = await this.snapshot(sandboxId);
		await this.call("pause", sandboxId, () => this.rawPause(sandboxId));
		this.pauseSnapshots.set(sandboxId, snapshot.snapshotId);
		return snapshot;
	}

	async resume(sandboxId: string, options: Partial<CreateSandboxOptions> = {}): Promise<SandboxHandle> {
		const lifetime = options.lifetimeSeconds ?? this.lifetimeSeconds;
		const resumed = await this.call("resume", sandboxId, () => this.rawResume(sandboxId, lifetime));
		if (!resumed) {
			const snapshotId = options.snapshotId ?? this.pauseSnapshots.get(sandboxId);
			if (!snapshotId) {
				throw new SandboxProviderError(
					this.type,
					"resume",
					`sandbox ${sandboxId} cannot be resumed and no snapshot to restore from was given`,
				);
			}
			this.pauseSnapshots.delete(sandboxId);
			return this.restoreUnder(sandboxId, snapshotId, options, lifetime);
		}
		this.pauseSnapshots.delete(sandboxId);
		await this.startProcesses(sandboxId);
		const status = await this.call("status", sandboxId, () => this.rawStatus(sandboxId));
		return this.handleFor(sandboxId, status?.expiresAt ?? null);
	}

	/**
	 * When the sandbox cannot be resumed in place, restore the pause snapshot into a new sandbox under
	 * the same id where the provider lets us name sandboxes (Modal); otherwise the handle carries the
	 * new id (E2B), which the caller records.
	 */
	protected async restoreUnder(
		sandboxId: string,
		snapshotId: string,
		options: Partial<CreateSandboxOptions>,
		lifetimeSeconds: number,
	): Promise<SandboxHandle> {
		this.logger.warn(
			{ sandboxId, snapshotId },
			"sandbox cannot resume in place, restoring its pause snapshot",
		);
		return this.createNamed(sandboxId, {
			...options,
			sessionId: options.sessionId ?? null,
			organizationId: options.organizationId ?? null,
			snapshotId,
			lifetimeSeconds,
		});
	}

	async terminate(sandboxId: string): Promise<void> {
		this.pauseSnapshots.delete(sandboxId);
		try {
			await this.withRetry("terminate", sandboxId, () => this.rawTerminate(sandboxId));
		} catch (error) {
			const mapped = this.mapError(error, sandboxId);
			if (mapped instanceof SandboxNotFoundError) return;
			throw mapped ?? this.wrap(error, "terminate", sandboxId);
		}
		this.logger.info({ sandboxId }, "sandbox terminated");
	}

	async status(sandboxId: string): Promise<SandboxStatus> {
		if (this.pauseSnapshots.has(sandboxId)) {
			const raw = await this.call("status", sandboxId, () => this.rawStatus(sandboxId)).catch(() => null);
			return { sandboxId, state: "paused", expiresAt: raw?.expiresAt ?? null };
		}
		const raw = await this.call("status", sandboxId, () => this.rawStatus(sandboxId));
		if (!raw) throw new SandboxNotFoundError(sandboxId);
		return {
			sandboxId,
			state: raw.state,
			expiresAt: raw.expiresAt,
			...(raw.reason ? { reason: raw.reason } : {}),
		};
	}

	async resolvePortUrl(sandboxId: string, port: number): Promise<string> {
		if (!Number.isInteger(port) || port < 1 || port > 65535) {
			throw new DomainError("invalid_input", "SANDBOX_PORT_INVALID", `invalid port ${port}`);
		}
		return this.call("resolvePortUrl", sandboxId, () => this.rawPortUrl(sandboxId, port));
	}

	// ── helpers ──────────────────────────────────────────────────────────────────────
	protected async handleFor(
		sandboxId: string,
		expiresAt: Date | null,
		knownState?: RemoteSandboxState,
	): Promise<SandboxHandle> {
		const state = knownState ?? (await this.readState(sandboxId));
		const ports: Record<number, string> = {};
		for (const process of state?.processes ?? []) {
			if (process.port) ports[process.port] = await this.resolvePortUrl(sandboxId, process.port);
		}
		return {
			sandboxId,
			provider: this.type,
			state: "running",
			workspaceDir: REMOTE_WORKSPACE,
			homeDir: REMOTE_HOME,
			expiresAt,
			ports,
			egress: state?.egress ?? {},
			recovered: false,
		};
	}

	/** Files of the create/claim options: paths relative to the home unless absolute. */
	private async writeFiles(sandboxId: string, files: CreateSandboxOptions["files"]): Promise<void> {
		for (const file of files ?? []) {
			const path = file.path.startsWith("/") ? file.path : `${REMOTE_HOME}/${file.path}`;
			await this.writeFile(sandboxId, path, file.content, { mode: file.mode });
		}
	}

	/** Records the sandbox's state and rewrites its environment file (mode 600: it may hold secrets). */
	private async writeState(
		sandboxId: string,
		state: RemoteSandboxState,
		env: Record<string, string>,
	): Promise<void> {
		await this.rawWrite(sandboxId, STATE_FILE, Buffer.from(JSON.stringify(state, null, 2)));
		const content = Buffer.from(`${envExports(env)}\n`).toString("base64");
		await this.runChecked(sandboxId, `umask 077 && printf %s ${content} | base64 -d > ${ENV_FILE}`);
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

	/** Start the recorded processes that are not running (idempotent: pid files). */
	protected async startProcesses(sandboxId: string, known?: RemoteSandboxState | null): Promise<void> {
		const state = known ?? (await this.readState(sandboxId));
		const processes = state?.processes ?? [];
		if (processes.length === 0) return;
		const lines = [`mkdir -p ${REMOTE_HOME}/.proliferate/logs ${REMOTE_HOME}/.proliferate/run`];
		for (const process of processes) {
			if (!/^[A-Za-z0-9_.-]+$/.test(process.name)) {
				throw new DomainError(
					"invalid_input",
					"SANDBOX_PROCESS_NAME",
					`invalid process name ${process.name}`,
				);
			}
			const pidFile = `${REMOTE_HOME}/.proliferate/run/${process.name}.pid`;
			const log = `${REMOTE_HOME}/.proliferate/logs/${process.name}.log`;
			const cwd = process.cwd ?? REMOTE_WORKSPACE;
			const marker = `PROLIFERATE_PROCESS=${process.name}`;
			// The process's own environment and stdin go through files (mode 600) its launcher reads and
			// deletes, not through the launcher's command line (/proc/<pid>/cmdline is world-readable).
			const envFile = `${REMOTE_HOME}/.proliferate/run/${process.name}.env`;
			const stdinFile = `${REMOTE_HOME}/.proliferate/run/${process.name}.stdin`;
			const command = commandToShell(process.command);
			// Not `exec`: the shell outlives the command to record its exit (PROCESS_LOG_MARKERS).
			const body = [
				`echo ${shellQuote(PROCESS_LOG_MARKERS.starting)}`,
				SOURCE_ENV,
				`. ${envFile}; rm -f ${envFile}`,
				`cd ${shellQuote(cwd)}`,
				process.stdin !== undefined ? `{ rm -f ${stdinFile}; ${command}; } < ${stdinFile}` : command,
				`echo ${shellQuote(PROCESS_LOG_MARKERS.exited)} $?`,
			]
				.filter(Boolean)
				.join("\n");
			const secretFiles = [
				`(umask 077 && printf %s ${Buffer.from(`${envExports(process.env)}\n`).toString("base64")} | base64 -d > ${envFile})`,
				...(process.stdin !== undefined
					? [
							`(umask 077 && printf %s ${Buffer.from(process.stdin).toString("base64")} | base64 -d > ${stdinFile})`,
						]
					: []),
			];
			lines.push(
				// Alive = the pid exists, is not a zombie (kill -0 succeeds on zombies) and is ours: after a
				// restore into a new machine the recorded pid may belong to another process.
				`__pid=$(cat ${pidFile} 2>/dev/null); __state=""`,
				`[ -n "$__pid" ] && __state=$(cut -d' ' -f3 "/proc/$__pid/stat" 2>/dev/null)`,
				`[ -n "$__state" ] && ! tr '\\0' '\\n' < "/proc/$__pid/environ" 2>/dev/null | grep -qx '${marker}' && __state=""`,
				'if [ -z "$__state" ] || [ "$__state" = Z ]; then',
				...secretFiles.map((line) => `  ${line}`),
				// The marker is in the shell's own environment (/proc/<pid>/environ shows only that).
				`  nohup setsid env ${marker} bash -c ${shellQuote(body)} >>${log} 2>&1 </dev/null & echo $! > ${pidFile}`,
				"fi",
			);
		}
		await this.runChecked(sandboxId, lines.join("\n"));
	}

	private async cloneRepo(sandboxId: string, repo: NonNullable<CreateSandboxOptions["repo"]>): Promise<void> {
		let url = repo.url;
		if (repo.token && /^https?:\/\//.test(url)) {
			const parsed = new URL(url);
			parsed.username = "x-access-token";
			parsed.password = repo.token;
			url = parsed.toString();
		}
		const branch = repo.branch ? `--branch ${shellQuote(repo.branch)} ` : "";
		const script = [
			"set -e",
			`rm -rf ${REMOTE_WORKSPACE}`,
			`git clone --quiet ${branch}${shellQuote(url)} ${REMOTE_WORKSPACE}`,
			`cd ${REMOTE_WORKSPACE}`,
			`git remote set-url origin ${shellQuote(repo.url)}`,
			repo.commit ? `git checkout --quiet --detach ${shellQuote(repo.commit)}` : "",
		]
			.filter(Boolean)
			.join("\n");
		const result = await this.call("clone", sandboxId, () =>
			this.rawRun(sandboxId, script, { timeoutMs: 600_000 }),
		);
		if (result.exitCode !== 0 || result.timedOut) {
			throw new SandboxProviderError(
				this.type,
				"clone",
				redactSecrets(tail(result.stderr || result.stdout, 1000), [repo.token]),
				{ sandboxId, exitCode: result.exitCode },
			);
		}
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

	private resolvePath(path: string): string {
		const resolved = resolveInsideHome(REMOTE_HOME, REMOTE_WORKSPACE, path);
		if (!resolved) {
			throw new DomainError(
				"invalid_input",
				"SANDBOX_PATH_OUTSIDE",
				`path ${path} is outside the sandbox home`,
			);
		}
		return resolved;
	}

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

	private async withRetry<T>(operation: string, sandboxId: string | null, fn: () => Promise<T>): Promise<T> {
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
}

function egressUrls(targets: CreateSandboxOptions["egress"]): Record<string, string> {
	return Object.fromEntries((targets ?? []).map((target) => [target.name, target.url]));
}

/** PROLIFERATE_EGRESS_<NAME>_URL for each target: remote sandboxes reach platform services directly. */
function egressEnvironment(egress: Record<string, string>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(egress).map(([name, url]) => [
			`PROLIFERATE_EGRESS_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`,
			url,
		]),
	);
}
