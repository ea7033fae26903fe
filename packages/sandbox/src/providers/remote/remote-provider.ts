import { randomBytes } from "node:crypto";
import {
	type ClaimSandboxOptions,
	type CreateSandboxOptions,
	DomainError,
	type ExecOptions,
	type ExecResult,
	type ProviderHealth,
	type RepoSource,
	SandboxAlreadyClaimedError,
	type SandboxHandle,
	SandboxNotFoundError,
	type SandboxProvider,
	SandboxProviderError,
	type SandboxStatus,
	SandboxTerminatedError,
	type SnapshotRef,
} from "@proliferate/shared";
import {
	cloneScript,
	commandFailure,
	DEFAULT_TIMEOUT_MS,
	execScript,
	PREPARE_WORKSPACE_SCRIPT,
	resolveSandboxPath,
} from "./commands";
import { RemoteSandboxPrimitives } from "./primitives";
import { portsToOpen, startProcessesScript } from "./process-boot";
import {
	egressEnvironment,
	egressUrls,
	REMOTE_HOME,
	REMOTE_WORKSPACE,
	type RemoteSandboxState,
} from "./sandbox-state";
import { commandToShell, redactSecrets, shellQuote, signalFromExitCode, tail } from "./shell";

/**
 * The contract on top of a remote sandbox service (E2B, Modal): cloning, files, process boot,
 * typed errors and retries live here and in `primitives.ts`; subclasses translate a handful of
 * primitives to their SDK. Processes started at boot are recorded in the sandbox
 * (`~/.proliferate/sandbox.json`) so a fresh provider instance can restart them after a resume or
 * a restore.
 */
export abstract class RemoteSandboxProvider extends RemoteSandboxPrimitives implements SandboxProvider {
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
				ports: portsToOpen(options.processes, options.ports),
			}),
		);
		const sandboxId = created.sandboxId;
		this.logger.info({ sandboxId, provider: this.type, ms: Date.now() - started }, "sandbox created");
		try {
			if (!options.snapshotId) await this.runChecked(sandboxId, PREPARE_WORKSPACE_SCRIPT);
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
		const script = execScript(command, options);
		const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		const stdin = typeof options.stdin === "string" ? Buffer.from(options.stdin) : options.stdin;
		const started = Date.now();
		const result = await this.call("exec", sandboxId, () =>
			this.rawRun(sandboxId, script, { timeoutMs, stdin }),
		);
		const durationMs = Date.now() - started;
		if (result.timedOut) throw commandFailure(text, result, false);
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
		const failure = commandFailure(text, result, options.allowFailure ?? false);
		if (failure) throw failure;
		const signal = signalFromExitCode(result.exitCode);
		return { exitCode: result.exitCode, signal, stdout: result.stdout, stderr: result.stderr, durationMs };
	}

	async readFile(sandboxId: string, path: string): Promise<Uint8Array> {
		const resolved = resolveSandboxPath(path, "path");
		return this.call("readFile", sandboxId, () => this.rawRead(sandboxId, resolved));
	}

	async writeFile(
		sandboxId: string,
		path: string,
		content: string | Uint8Array,
		options: { mode?: number } = {},
	): Promise<void> {
		const resolved = resolveSandboxPath(path, "path");
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

	protected async handleFor(
		sandboxId: string,
		expiresAt: Date | null,
		knownState?: RemoteSandboxState,
	): Promise<SandboxHandle> {
		const state = knownState ?? (await this.readState(sandboxId));
		const ports: Record<number, string> = {};
		for (const spec of state?.processes ?? []) {
			if (spec.port) ports[spec.port] = await this.resolvePortUrl(sandboxId, spec.port);
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

	/** Start the recorded processes that are not running (idempotent: pid files). */
	protected async startProcesses(sandboxId: string, known?: RemoteSandboxState | null): Promise<void> {
		const state = known ?? (await this.readState(sandboxId));
		const processes = state?.processes ?? [];
		if (processes.length === 0) return;
		await this.runChecked(sandboxId, startProcessesScript(processes));
	}

	private async cloneRepo(sandboxId: string, repo: RepoSource): Promise<void> {
		const result = await this.call("clone", sandboxId, () =>
			this.rawRun(sandboxId, cloneScript(repo), { timeoutMs: 600_000 }),
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
}
