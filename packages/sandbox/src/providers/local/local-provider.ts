import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createSilentLogger, type Logger } from "@proliferate/logger";
import {
	type ClaimSandboxOptions,
	type CreateSandboxOptions,
	type ExecOptions,
	type ExecResult,
	type ListedSandbox,
	type ListedSnapshot,
	type ProviderHealth,
	SandboxAlreadyClaimedError,
	type SandboxHandle,
	SandboxNotFoundError,
	type SandboxProvider,
	SandboxProviderError,
	type SandboxStatus,
	type SandboxStopNotice,
	SandboxTerminatedError,
	type SnapshotRef,
} from "@proliferate/shared";
import type { ResourceUsage } from "./cgroups";
import { type LocalProviderConfig, resolveIsolation } from "./config";
import { execInInstance } from "./exec";
import { SandboxInstance } from "./instance";
import { InternetProxy, internetEgressName } from "./internet-proxy";
import { hostPathFor, isLocalSandboxId, newSandboxId, type SandboxLayout, sandboxPaths } from "./layout";
import { bootRunsElsewhere, stopOtherProcessBoot } from "./previous-boot";
import { cloneRepository } from "./repo";
import { ResourceLimiter } from "./resource-limits";
import { SandboxRecords } from "./sandbox-records";
import { SnapshotArchive } from "./snapshots";
import type { SandboxMeta } from "./state";
import { SandboxStopWatcher } from "./stop-watcher";

export type { LocalProviderConfig } from "./config";

/**
 * The default provider: each sandbox is a directory on this machine run under bubblewrap with its
 * own PID, network, IPC, UTS and user namespaces. See docs/specs/sandbox-providers.md.
 */
export class LocalSandboxProvider implements SandboxProvider {
	readonly type = "local" as const;
	private readonly records: SandboxRecords;
	private readonly archive: SnapshotArchive;
	private readonly instances = new Map<string, SandboxInstance>();
	/** The boot id of each instance this process started (see `SandboxMeta.bootId`). */
	private readonly bootIds = new WeakMap<SandboxInstance, string>();
	private readonly isolation: "bwrap" | "none";
	private readonly bwrapPath: string;
	private readonly logger: Logger;
	private readonly limiter: ResourceLimiter;
	private readonly stops: SandboxStopWatcher;
	private readonly internetProxy: InternetProxy | undefined;

	constructor(private readonly config: LocalProviderConfig) {
		this.logger = config.logger ?? createSilentLogger();
		this.internetProxy = config.internet
			? new InternetProxy({ ...config.internet, logger: this.logger.child({ module: "internet-proxy" }) })
			: undefined;
		this.records = new SandboxRecords(join(config.dataDirectory, "sandboxes"));
		this.archive = new SnapshotArchive(join(config.dataDirectory, "snapshots"));
		({ isolation: this.isolation, bwrapPath: this.bwrapPath } = resolveIsolation(config, this.logger));
		this.limiter = new ResourceLimiter(this.logger);
		this.stops = new SandboxStopWatcher({
			records: this.records,
			instances: this.instances,
			bootIds: this.bootIds,
			logger: this.logger,
			onSandboxStopped: config.onSandboxStopped,
		});
	}

	get isolated(): boolean {
		return this.isolation === "bwrap";
	}

	onSandboxStopped(listener: (stop: SandboxStopNotice) => void): () => void {
		return this.stops.subscribe(listener);
	}

	private running(sandboxId: string): SandboxInstance {
		const instance = this.instances.get(sandboxId);
		if (!instance?.alive) {
			const meta = this.records.get(sandboxId);
			throw new SandboxTerminatedError(sandboxId, meta.stateReason ?? `the sandbox is ${meta.state}`);
		}
		return instance;
	}

	async createSandbox(options: CreateSandboxOptions): Promise<SandboxHandle> {
		const sandboxId = newSandboxId();
		const layout = this.records.layout(sandboxId);
		mkdirSync(layout.home, { recursive: true });
		const lifetime = options.lifetimeSeconds ?? this.config.defaultLifetimeSeconds ?? 3600;
		const meta: SandboxMeta = {
			sandboxId,
			sessionId: options.sessionId,
			organizationId: options.organizationId,
			state: "creating",
			createdAt: new Date().toISOString(),
			expiresAt: new Date(Date.now() + lifetime * 1000).toISOString(),
			env: options.env ?? {},
			processes: options.processes ?? [],
			egress: options.egress ?? [],
			exposedPorts: options.ports ?? [],
			...(options.resources || this.config.resources
				? { resources: { ...this.config.resources, ...options.resources } }
				: {}),
		};
		this.records.write(sandboxId, meta);
		try {
			if (options.snapshotId) await this.archive.restore(options.snapshotId, layout.home);
			else if (options.repo) await cloneRepository(options.repo, layout.workspace);
			else mkdirSync(layout.workspace, { recursive: true });
			this.writeFiles(layout, options.files ?? []);
			return await this.boot(sandboxId, false);
		} catch (error) {
			await this.terminate(sandboxId).catch(() => {});
			throw asProviderError(error, "create", sandboxId);
		}
	}

	async claimSandbox(sandboxId: string, options: ClaimSandboxOptions): Promise<SandboxHandle> {
		const instance = this.running(sandboxId);
		const meta = this.records.get(sandboxId);
		if (meta.sessionId) throw new SandboxAlreadyClaimedError(sandboxId);
		// Owned from here on (no await before this write, so a concurrent claim sees it).
		this.records.update(sandboxId, {
			sessionId: options.sessionId,
			organizationId: options.organizationId,
			env: { ...meta.env, ...options.env },
			processes: [...meta.processes, ...(options.processes ?? [])],
			egress: [...meta.egress, ...(options.egress ?? [])],
		});
		try {
			const layout = this.records.layout(sandboxId);
			if (options.repo) {
				rmSync(layout.workspace, { recursive: true, force: true });
				await cloneRepository(options.repo, layout.workspace);
			}
			this.writeFiles(layout, options.files ?? []);
			instance.addEnvironment(options.env ?? {});
			await instance.openEgress(options.egress ?? []);
			for (const spec of options.processes ?? []) await instance.startProcess(spec);
			return this.handle(sandboxId, false);
		} catch (error) {
			// A half-claimed sandbox is nobody's: remove it (the caller creates a fresh one).
			await this.terminate(sandboxId).catch(() => {});
			throw asProviderError(error, "claim", sandboxId);
		}
	}

	private writeFiles(layout: SandboxLayout, files: NonNullable<CreateSandboxOptions["files"]>): void {
		for (const file of files) {
			const target = hostPathFor(
				layout,
				file.path.startsWith("/") ? file.path : join(sandboxPaths.home, file.path),
			);
			if (!target)
				throw new SandboxProviderError("local", "write-file", `${file.path} is outside the sandbox home`);
			mkdirSync(dirname(target), { recursive: true });
			writeFileSync(target, file.content, { mode: file.mode ?? 0o644 });
		}
	}

	/** Starts bubblewrap + the supervisor on the sandbox's home, then egress, processes and ports. */
	private async boot(sandboxId: string, recovered: boolean): Promise<SandboxHandle> {
		const layout = this.records.layout(sandboxId);
		await stopOtherProcessBoot(sandboxId, layout, this.records.read(sandboxId), this.logger);
		const bootId = randomUUID();
		const meta = this.records.update(sandboxId, { bootId, hostPid: process.pid });
		const limits = this.limiter.limitsFor(
			sandboxId,
			meta.resources,
			(reason, kind) => void this.stops.stopForLimit(sandboxId, reason, kind),
		);
		const instance = new SandboxInstance({
			layout,
			isolation: this.isolation,
			bwrapPath: this.bwrapPath,
			runtimeMounts: this.config.runtimeMounts ?? [],
			env: meta.env,
			logger: this.logger,
			onExit: (code, signal) => this.stops.handleExit(sandboxId, instance, code, signal, limits.cgroup),
			...limits,
		});
		this.instances.set(sandboxId, instance);
		this.bootIds.set(instance, bootId);
		if (meta.resources?.diskMb) this.stops.watchDisk();
		await instance.boot();
		this.records.update(sandboxId, { ...(instance.pid ? { sandboxPid: instance.pid } : {}) });
		await instance.openEgress(
			this.internetProxy
				? [...meta.egress, { name: internetEgressName, url: await this.internetProxy.start() }]
				: meta.egress,
		);
		for (const spec of meta.processes) await instance.startProcess(spec);
		for (const port of meta.exposedPorts) await instance.exposePort(port);
		this.records.update(sandboxId, { state: "running", stateReason: undefined, stateKind: undefined });
		this.stops.scheduleExpiry(sandboxId, meta.expiresAt);
		return this.handle(sandboxId, recovered);
	}

	/** Memory, process count and CPU share of a running sandbox (null without cgroup limits). */
	resourceUsage(sandboxId: string): ResourceUsage | null {
		return this.running(sandboxId).resourceUsage();
	}

	private handle(sandboxId: string, recovered: boolean): SandboxHandle {
		const meta = this.records.get(sandboxId);
		const instance = this.instances.get(sandboxId);
		const layout = this.records.layout(sandboxId);
		return {
			sandboxId,
			provider: "local",
			state: meta.state,
			workspaceDir: this.isolation === "bwrap" ? sandboxPaths.workspace : layout.workspace,
			homeDir: this.isolation === "bwrap" ? sandboxPaths.home : layout.home,
			expiresAt: meta.expiresAt ? new Date(meta.expiresAt) : null,
			ports: instance?.relays.ports() ?? {},
			egress: { ...(instance?.egressUrls ?? {}) },
			recovered,
		};
	}

	async ensureSandbox(options: CreateSandboxOptions & { sandboxId?: string }): Promise<SandboxHandle> {
		if (options.sandboxId && isLocalSandboxId(options.sandboxId)) {
			const existing = this.records.read(options.sandboxId);
			if (existing && existing.state !== "terminated") {
				if (this.instances.get(options.sandboxId)?.alive) return this.handle(options.sandboxId, true);
				if (existing.state === "paused") return this.resume(options.sandboxId, options);
				if (existsSync(this.records.layout(options.sandboxId).workspace)) {
					// The processes died (provider restart, crash) but the workspace is intact: boot it again.
					this.records.update(options.sandboxId, {
						state: "creating",
						stateReason: undefined,
						stateKind: undefined,
						...(options.env ? { env: options.env } : {}),
						...(options.processes ? { processes: options.processes } : {}),
						...(options.egress ? { egress: options.egress } : {}),
					});
					return this.boot(options.sandboxId, true);
				}
			}
		}
		return this.createSandbox(options);
	}

	async exec(sandboxId: string, command: string[] | string, options?: ExecOptions): Promise<ExecResult> {
		const instance = this.running(sandboxId);
		try {
			return await execInInstance(instance, this.records.layout(sandboxId).runDir, command, options);
		} catch (error) {
			if (!instance.alive) {
				const reason = this.records.read(sandboxId)?.stateReason ?? "the sandbox stopped";
				throw new SandboxTerminatedError(sandboxId, reason);
			}
			throw error;
		}
	}

	async readFile(sandboxId: string, path: string): Promise<Uint8Array> {
		this.records.get(sandboxId);
		const hostPath = hostPathFor(this.records.layout(sandboxId), path);
		if (hostPath) {
			if (!existsSync(hostPath))
				throw new SandboxProviderError("local", "read-file", `${path} does not exist`);
			return readFileSync(hostPath);
		}
		const result = await this.exec(sandboxId, ["/bin/cat", "--", path]);
		return Buffer.from(result.stdout);
	}

	async writeFile(
		sandboxId: string,
		path: string,
		content: string | Uint8Array,
		options?: { mode?: number },
	): Promise<void> {
		const layout = this.records.layout(sandboxId);
		this.records.get(sandboxId);
		const hostPath = hostPathFor(layout, path);
		if (!hostPath)
			throw new SandboxProviderError("local", "write-file", `${path} is outside the sandbox home`);
		mkdirSync(dirname(hostPath), { recursive: true });
		writeFileSync(hostPath, content, { mode: options?.mode ?? 0o644 });
	}

	async snapshot(sandboxId: string): Promise<SnapshotRef> {
		this.records.get(sandboxId);
		const { snapshotId, sizeBytes } = await this.archive.create(this.records.layout(sandboxId).home);
		return { snapshotId, provider: "local", sizeBytes, createdAt: new Date() };
	}

	async pause(sandboxId: string): Promise<SnapshotRef> {
		const instance = this.instances.get(sandboxId);
		this.records.update(sandboxId, { stateReason: "paused" });
		this.instances.delete(sandboxId);
		await instance?.stop();
		const snapshot = await this.snapshot(sandboxId);
		this.records.update(sandboxId, { state: "paused", pauseSnapshotId: snapshot.snapshotId });
		this.stops.cancelExpiry(sandboxId);
		return snapshot;
	}

	async resume(sandboxId: string, options: Partial<CreateSandboxOptions> = {}): Promise<SandboxHandle> {
		const meta = this.records.get(sandboxId);
		if (meta.state === "running" && this.instances.get(sandboxId)?.alive) return this.handle(sandboxId, true);
		const layout = this.records.layout(sandboxId);
		const snapshotId = options.snapshotId ?? meta.pauseSnapshotId;
		if (snapshotId) {
			rmSync(layout.home, { recursive: true, force: true });
			await this.archive.restore(snapshotId, layout.home);
		}
		const lifetime = options.lifetimeSeconds ?? this.config.defaultLifetimeSeconds ?? 3600;
		this.records.update(sandboxId, {
			state: "creating",
			stateReason: undefined,
			stateKind: undefined,
			expiresAt: new Date(Date.now() + lifetime * 1000).toISOString(),
			...(options.env ? { env: options.env } : {}),
			...(options.processes ? { processes: options.processes } : {}),
			...(options.egress ? { egress: options.egress } : {}),
		});
		return this.boot(sandboxId, false);
	}

	/**
	 * Kills the sandbox wherever it runs (this process's boot, or another host process's: a
	 * gateway's, when the worker's sweeper asks), then deletes its home and run directories.
	 */
	async terminate(sandboxId: string): Promise<void> {
		if (!isLocalSandboxId(sandboxId)) return;
		const layout = this.records.layout(sandboxId);
		const meta = this.records.read(sandboxId);
		this.stops.cancelExpiry(sandboxId);
		const instance = this.instances.get(sandboxId);
		this.instances.delete(sandboxId);
		// Written first: the other process's exit handler then leaves the state alone.
		if (meta && meta.state !== "terminated")
			this.records.write(sandboxId, { ...meta, state: "terminated", stateReason: "terminated" });
		instance?.kill();
		await stopOtherProcessBoot(sandboxId, layout, meta, this.logger);
		rmSync(layout.home, { recursive: true, force: true });
		rmSync(layout.runDir, { recursive: true, force: true });
	}

	/** A running sandbox counts as alive when this process or another host process runs its boot. */
	async status(sandboxId: string): Promise<SandboxStatus> {
		const meta = this.records.read(sandboxId);
		if (!meta) throw new SandboxNotFoundError(sandboxId);
		return this.statusOf(meta);
	}

	private statusOf(meta: SandboxMeta): SandboxStatus {
		const alive =
			(this.instances.get(meta.sandboxId)?.alive ?? false) ||
			(meta.state === "running" && bootRunsElsewhere(this.records.layout(meta.sandboxId), meta));
		const state = meta.state === "running" && !alive ? "failed" : meta.state;
		const stopKind = state === "failed" ? (meta.stateKind ?? "killed") : undefined;
		return {
			sandboxId: meta.sandboxId,
			state,
			expiresAt: meta.expiresAt ? new Date(meta.expiresAt) : null,
			...(meta.stateReason ? { reason: meta.stateReason } : {}),
			...(stopKind ? { stopKind } : {}),
		};
	}

	/** Every sandbox on disk that is not terminated, with its state as `status` reports it. */
	async listSandboxes(): Promise<ListedSandbox[]> {
		return this.records
			.list()
			.filter((meta) => meta.state !== "terminated")
			.map((meta) => ({
				sandboxId: meta.sandboxId,
				state: this.statusOf(meta).state,
				createdAt: new Date(meta.createdAt),
			}));
	}

	async listSnapshots(): Promise<ListedSnapshot[]> {
		return this.archive.list();
	}

	async deleteSnapshot(snapshotId: string): Promise<void> {
		this.archive.delete(snapshotId);
	}

	async resolvePortUrl(sandboxId: string, port: number): Promise<string> {
		if (!Number.isInteger(port) || port < 1 || port > 65535) {
			throw new SandboxProviderError("local", "resolve-port", `${port} is not a valid port`);
		}
		const instance = this.running(sandboxId);
		const url = await instance.exposePort(port);
		const meta = this.records.get(sandboxId);
		if (!meta.exposedPorts.includes(port))
			this.records.update(sandboxId, { exposedPorts: [...meta.exposedPorts, port] });
		return url;
	}

	async health(): Promise<ProviderHealth> {
		if (this.isolation === "none")
			return { healthy: true, message: "running WITHOUT isolation (bubblewrap missing)" };
		return { healthy: true, message: `bubblewrap at ${this.bwrapPath}; ${this.limiter.describe()}` };
	}

	/** Sandboxes this process started that are still running (for sweeps and shutdown). */
	runningSandboxIds(): string[] {
		return [...this.instances.entries()].filter(([, instance]) => instance.alive).map(([id]) => id);
	}

	/** Every sandbox directory on disk with its recorded meta (terminated ones included). */
	sandboxMetas(): SandboxMeta[] {
		return this.records.list();
	}

	/** Stops every sandbox this process runs (graceful shutdown). Their workspaces stay on disk. */
	async shutdown(): Promise<void> {
		this.stops.stopDiskWatch();
		await this.internetProxy?.close();
		await Promise.all(
			[...this.instances.entries()].map(async ([id, instance]) => {
				this.instances.delete(id);
				await instance.stop();
			}),
		);
		this.stops.cancelAllExpiries();
	}
}

function asProviderError(error: unknown, operation: string, sandboxId: string): SandboxProviderError {
	if (error instanceof SandboxProviderError) return error;
	return new SandboxProviderError(
		"local",
		operation,
		error instanceof Error ? error.message : String(error),
		{ sandboxId },
	);
}
