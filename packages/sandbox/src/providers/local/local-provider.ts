import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createSilentLogger, type Logger } from "@proliferate/logger";
import {
	type ClaimSandboxOptions,
	type CreateSandboxOptions,
	type ExecOptions,
	type ExecResult,
	type ProviderHealth,
	SandboxAlreadyClaimedError,
	type SandboxHandle,
	SandboxNotFoundError,
	type SandboxProvider,
	SandboxProviderError,
	type SandboxResources,
	type SandboxStatus,
	type SandboxStopKind,
	type SandboxStopNotice,
	SandboxTerminatedError,
	type SnapshotRef,
} from "@proliferate/shared";
import type { RuntimeMount } from "./bwrap-args";
import { type CgroupHost, detectCgroups, type ResourceUsage, SandboxCgroup } from "./cgroups";
import { controlRequest } from "./control-client";
import { execInInstance } from "./exec";
import { SandboxInstance } from "./instance";
import { InternetProxy, internetEgressName } from "./internet-proxy";
import {
	hostPathFor,
	isLocalSandboxId,
	layoutFor,
	newSandboxId,
	type SandboxLayout,
	sandboxPaths,
} from "./layout";
import { cloneRepository } from "./repo";
import { SnapshotArchive } from "./snapshots";
import { readMeta, type SandboxMeta, writeMeta } from "./state";

export interface LocalProviderConfig {
	/** Sandboxes live in `<dataDirectory>/sandboxes`, snapshots in `<dataDirectory>/snapshots`. */
	dataDirectory: string;
	/** Host directories bind-mounted read-only into every sandbox (OpenCode binary, sandbox-mcp bundle). */
	runtimeMounts?: RuntimeMount[];
	/** Run without bubblewrap (no isolation). Only when the operator explicitly allows it. */
	allowUnisolated?: boolean;
	bwrapPath?: string;
	defaultLifetimeSeconds?: number;
	/**
	 * Default resource limits per sandbox (a sandbox's own `resources` override them), enforced with
	 * cgroups (v1 or v2, whichever the host mounts). A sandbox that exceeds one is stopped.
	 */
	resources?: SandboxResources;
	logger?: Logger;
	/**
	 * Internet access for sandboxes (off when absent): through an egress proxy that refuses
	 * loopback, private and reserved addresses, except `allowCidrs` an operator opens on purpose.
	 */
	internet?: { allowCidrs?: string[]; allowedPorts?: number[] };
	/** Called when a sandbox stops on its own (limit, expired, crashed); listeners can also subscribe later. */
	onSandboxStopped?: (sandboxId: string, reason: string, kind: SandboxStopKind) => void;
}

function findBwrap(configured: string | undefined): string | null {
	for (const candidate of [configured, "/usr/bin/bwrap", "/usr/local/bin/bwrap"]) {
		if (candidate && existsSync(candidate)) return candidate;
	}
	return null;
}

/**
 * The default provider: each sandbox is a directory on this machine run under bubblewrap with its
 * own PID, network, IPC, UTS and user namespaces. See docs/specs/sandbox-providers.md.
 */
export class LocalSandboxProvider implements SandboxProvider {
	readonly type = "local" as const;
	private readonly sandboxesDirectory: string;
	private readonly archive: SnapshotArchive;
	private readonly instances = new Map<string, SandboxInstance>();
	/** The boot id of each instance this process started (see `SandboxMeta.bootId`). */
	private readonly bootIds = new WeakMap<SandboxInstance, string>();
	private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
	private readonly isolation: "bwrap" | "none";
	private readonly bwrapPath: string;
	private readonly logger: Logger;
	private cgroupHost: CgroupHost | null | undefined;
	private readonly internetProxy: InternetProxy | undefined;
	private diskWatch: NodeJS.Timeout | undefined;
	private diskCheckRunning = false;
	private readonly stopListeners = new Set<(stop: SandboxStopNotice) => void>();

	constructor(private readonly config: LocalProviderConfig) {
		this.logger = config.logger ?? createSilentLogger();
		this.internetProxy = config.internet
			? new InternetProxy({ ...config.internet, logger: this.logger.child({ module: "internet-proxy" }) })
			: undefined;
		this.sandboxesDirectory = join(config.dataDirectory, "sandboxes");
		this.archive = new SnapshotArchive(join(config.dataDirectory, "snapshots"));
		mkdirSync(this.sandboxesDirectory, { recursive: true });
		const bwrap = findBwrap(config.bwrapPath);
		if (bwrap) {
			this.isolation = "bwrap";
			this.bwrapPath = bwrap;
		} else if (config.allowUnisolated) {
			this.isolation = "none";
			this.bwrapPath = "";
			this.logger.warn(
				"bubblewrap (bwrap) is not installed: sandboxes run WITHOUT ISOLATION because SANDBOX_ALLOW_UNISOLATED=true. Agents can read and change this machine. Install bubblewrap.",
			);
		} else {
			throw new SandboxProviderError(
				"local",
				"start",
				"bubblewrap (bwrap) is not installed. Install it (Debian: apt-get install bubblewrap) or set SANDBOX_ALLOW_UNISOLATED=true to run agents without isolation.",
			);
		}
	}

	get isolated(): boolean {
		return this.isolation === "bwrap";
	}

	onSandboxStopped(listener: (stop: SandboxStopNotice) => void): () => void {
		this.stopListeners.add(listener);
		return () => this.stopListeners.delete(listener);
	}

	/** Tells the configured hook and every listener; a throwing listener does not stop the others. */
	private reportStop(sandboxId: string, reason: string, kind: SandboxStopKind): void {
		for (const listener of [
			(stop: SandboxStopNotice) => this.config.onSandboxStopped?.(stop.sandboxId, stop.reason, stop.kind),
			...this.stopListeners,
		]) {
			try {
				listener({ sandboxId, reason, kind });
			} catch (error) {
				this.logger.error({ err: error, sandboxId }, "a sandbox stop listener failed");
			}
		}
	}

	private layout(sandboxId: string): SandboxLayout {
		if (!isLocalSandboxId(sandboxId)) throw new SandboxNotFoundError(sandboxId);
		return layoutFor(this.sandboxesDirectory, sandboxId);
	}

	private meta(sandboxId: string): SandboxMeta {
		const meta = readMeta(this.layout(sandboxId).metaFile);
		if (!meta || meta.state === "terminated") throw new SandboxNotFoundError(sandboxId);
		return meta;
	}

	private running(sandboxId: string): SandboxInstance {
		const instance = this.instances.get(sandboxId);
		if (!instance?.alive) {
			const meta = readMeta(this.layout(sandboxId).metaFile);
			if (!meta || meta.state === "terminated") throw new SandboxNotFoundError(sandboxId);
			throw new SandboxTerminatedError(sandboxId, meta.stateReason ?? `the sandbox is ${meta.state}`);
		}
		return instance;
	}

	private updateMeta(sandboxId: string, change: Partial<SandboxMeta>): SandboxMeta {
		const layout = this.layout(sandboxId);
		const meta = { ...this.meta(sandboxId), ...change };
		writeMeta(layout.metaFile, meta);
		return meta;
	}

	async createSandbox(options: CreateSandboxOptions): Promise<SandboxHandle> {
		const sandboxId = newSandboxId();
		const layout = this.layout(sandboxId);
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
		writeMeta(layout.metaFile, meta);
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
		const meta = this.meta(sandboxId);
		if (meta.sessionId) throw new SandboxAlreadyClaimedError(sandboxId);
		// Owned from here on (no await before this write, so a concurrent claim sees it).
		this.updateMeta(sandboxId, {
			sessionId: options.sessionId,
			organizationId: options.organizationId,
			env: { ...meta.env, ...options.env },
			processes: [...meta.processes, ...(options.processes ?? [])],
			egress: [...meta.egress, ...(options.egress ?? [])],
		});
		try {
			const layout = this.layout(sandboxId);
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
		const layout = this.layout(sandboxId);
		await this.stopOtherProcessBoot(sandboxId);
		const bootId = randomUUID();
		const meta = this.updateMeta(sandboxId, { bootId, hostPid: process.pid });
		const limits = this.cgroupFor(sandboxId, meta.resources);
		const instance = new SandboxInstance({
			layout,
			isolation: this.isolation,
			bwrapPath: this.bwrapPath,
			runtimeMounts: this.config.runtimeMounts ?? [],
			env: meta.env,
			logger: this.logger,
			onExit: (code, signal) => this.handleExit(sandboxId, instance, code, signal, limits.cgroup),
			...limits,
		});
		this.instances.set(sandboxId, instance);
		this.bootIds.set(instance, bootId);
		if (meta.resources?.diskMb) this.watchDisk();
		await instance.boot();
		this.updateMeta(sandboxId, { ...(instance.pid ? { sandboxPid: instance.pid } : {}) });
		await instance.openEgress(
			this.internetProxy
				? [...meta.egress, { name: internetEgressName, url: await this.internetProxy.start() }]
				: meta.egress,
		);
		for (const spec of meta.processes) await instance.startProcess(spec);
		for (const port of meta.exposedPorts) await instance.exposePort(port);
		this.updateMeta(sandboxId, { state: "running", stateReason: undefined, stateKind: undefined });
		this.scheduleExpiry(sandboxId, meta.expiresAt);
		return this.handle(sandboxId, recovered);
	}

	/** The sandbox's cgroups when it has limits and the host lets us create groups. */
	private cgroupFor(
		sandboxId: string,
		resources: SandboxResources | undefined,
	): { cgroup?: SandboxCgroup; onLimitExceeded?: (reason: string) => void } {
		const limits = Object.fromEntries(
			Object.entries(resources ?? {}).filter(([, value]) => typeof value === "number" && value > 0),
		) as SandboxResources;
		if (!limits.memoryMb && !limits.maxProcesses && !limits.cpuShares) return {};
		if (this.cgroupHost === undefined) {
			this.cgroupHost = detectCgroups();
			if (!this.cgroupHost)
				this.logger.warn(
					"resource limits are configured but no writable cgroup hierarchy was found: sandboxes run without memory, process and CPU limits",
				);
		}
		if (!this.cgroupHost) return {};
		const cgroup = new SandboxCgroup(this.cgroupHost, sandboxId, limits);
		return {
			cgroup,
			onLimitExceeded: (reason) =>
				void this.stopForLimit(sandboxId, reason, cgroup.limitHit()?.kind ?? "memory_limit"),
		};
	}

	/** Disk usage is not a cgroup limit: every 10 s, sandboxes with `diskMb` are measured (`du`). */
	private watchDisk(): void {
		if (this.diskWatch) return;
		this.diskWatch = setInterval(() => void this.checkDisk(), 10_000);
		this.diskWatch.unref();
	}

	private async checkDisk(): Promise<void> {
		if (this.diskCheckRunning) return;
		this.diskCheckRunning = true;
		try {
			for (const [sandboxId, instance] of this.instances) {
				const diskMb = readMeta(this.layout(sandboxId).metaFile)?.resources?.diskMb;
				if (!diskMb || !instance.alive) continue;
				const usedMb = await diskUsageMb(this.layout(sandboxId).home);
				if (usedMb > diskMb && this.instances.get(sandboxId) === instance) {
					await this.stopForLimit(
						sandboxId,
						`the sandbox exceeded its disk limit (${diskMb} MB): it uses ${Math.round(usedMb)} MB`,
						"disk_limit",
					);
				}
			}
		} finally {
			this.diskCheckRunning = false;
		}
	}

	/** Stops a sandbox that exceeded a resource limit: state `failed` with the limit as the reason. */
	private async stopForLimit(sandboxId: string, reason: string, kind: SandboxStopKind): Promise<void> {
		const instance = this.instances.get(sandboxId);
		if (!instance?.alive) return;
		this.updateMeta(sandboxId, { stateReason: reason, stateKind: kind });
		this.instances.delete(sandboxId);
		clearTimeout(this.expiryTimers.get(sandboxId));
		instance.kill();
		this.updateMeta(sandboxId, { state: "failed" });
		this.logger.warn({ sandboxId, reason }, "sandbox stopped: resource limit exceeded");
		this.reportStop(sandboxId, reason, kind);
	}

	/** Memory, process count and CPU share of a running sandbox (null without cgroup limits). */
	resourceUsage(sandboxId: string): ResourceUsage | null {
		return this.running(sandboxId).resourceUsage();
	}

	private handle(sandboxId: string, recovered: boolean): SandboxHandle {
		const meta = this.meta(sandboxId);
		const instance = this.instances.get(sandboxId);
		const layout = this.layout(sandboxId);
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

	private handleExit(
		sandboxId: string,
		instance: SandboxInstance,
		code: number | null,
		signal: string | null,
		cgroup: SandboxCgroup | undefined,
	): void {
		if (this.instances.get(sandboxId) !== instance) return;
		this.instances.delete(sandboxId);
		const meta = readMeta(this.layout(sandboxId).metaFile);
		if (meta?.state !== "running") return;
		// Another process booted the sandbox since (it took the session over): its state is not ours to change.
		if (meta.bootId && meta.bootId !== this.bootIds.get(instance)) return;
		const limit = cgroup?.limitHit();
		const reason =
			meta.stateReason ?? limit?.reason ?? `the sandbox exited unexpectedly (${signal ?? `code ${code}`})`;
		const kind = meta.stateKind ?? limit?.kind ?? "killed";
		writeMeta(this.layout(sandboxId).metaFile, {
			...meta,
			state: "failed",
			stateReason: reason,
			stateKind: kind,
		});
		this.logger.warn({ sandboxId, reason, output: instance.bootOutput.slice(-500) }, "sandbox stopped");
		this.reportStop(sandboxId, reason, kind);
	}

	/**
	 * Stops the sandbox's boot when another host process (a gateway that lost the session) still
	 * runs it: its supervisor is asked to shut down, then its bubblewrap process is killed, and this
	 * waits until it is gone, so two boots never share one workspace.
	 */
	private async stopOtherProcessBoot(sandboxId: string): Promise<void> {
		const meta = readMeta(this.layout(sandboxId).metaFile);
		if (!meta?.sandboxPid || !meta.hostPid || meta.hostPid === process.pid) return;
		const layout = this.layout(sandboxId);
		if (!isSandboxProcess(meta.sandboxPid, layout.home)) return;
		this.logger.warn(
			{ sandboxId, hostPid: meta.hostPid, sandboxPid: meta.sandboxPid },
			"another process still runs this sandbox; stopping it before booting here",
		);
		await controlRequest(layout.runDir, { type: "shutdown" }, 3000).catch(() => {});
		try {
			process.kill(meta.sandboxPid, "SIGKILL");
		} catch {
			// Already gone.
		}
		const deadline = Date.now() + 10_000;
		while (isSandboxProcess(meta.sandboxPid, layout.home)) {
			if (Date.now() > deadline)
				throw new SandboxProviderError(
					"local",
					"boot",
					`the sandbox's previous boot (pid ${meta.sandboxPid}) did not stop`,
				);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	private scheduleExpiry(sandboxId: string, expiresAt: string | null): void {
		clearTimeout(this.expiryTimers.get(sandboxId));
		if (!expiresAt) return;
		const delay = Math.max(0, new Date(expiresAt).getTime() - Date.now());
		const timer = setTimeout(() => void this.expire(sandboxId), Math.min(delay, 2_147_000_000));
		timer.unref();
		this.expiryTimers.set(sandboxId, timer);
	}

	private async expire(sandboxId: string): Promise<void> {
		const instance = this.instances.get(sandboxId);
		if (!instance?.alive) return;
		const reason = "the sandbox reached the end of its lifetime";
		this.updateMeta(sandboxId, { stateReason: reason, stateKind: "expired" });
		this.instances.delete(sandboxId);
		await instance.stop();
		this.updateMeta(sandboxId, { state: "failed" });
		this.reportStop(sandboxId, reason, "expired");
	}

	async ensureSandbox(options: CreateSandboxOptions & { sandboxId?: string }): Promise<SandboxHandle> {
		if (options.sandboxId && isLocalSandboxId(options.sandboxId)) {
			const existing = readMeta(this.layout(options.sandboxId).metaFile);
			if (existing && existing.state !== "terminated") {
				if (this.instances.get(options.sandboxId)?.alive) return this.handle(options.sandboxId, true);
				if (existing.state === "paused") return this.resume(options.sandboxId, options);
				if (existsSync(this.layout(options.sandboxId).workspace)) {
					// The processes died (provider restart, crash) but the workspace is intact: boot it again.
					this.updateMeta(options.sandboxId, {
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
			return await execInInstance(instance, this.layout(sandboxId).runDir, command, options);
		} catch (error) {
			if (!instance.alive) throw new SandboxTerminatedError(sandboxId, this.stateReason(sandboxId));
			throw error;
		}
	}

	private stateReason(sandboxId: string): string {
		return readMeta(this.layout(sandboxId).metaFile)?.stateReason ?? "the sandbox stopped";
	}

	async readFile(sandboxId: string, path: string): Promise<Uint8Array> {
		this.meta(sandboxId);
		const hostPath = hostPathFor(this.layout(sandboxId), path);
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
		const layout = this.layout(sandboxId);
		this.meta(sandboxId);
		const hostPath = hostPathFor(layout, path);
		if (!hostPath)
			throw new SandboxProviderError("local", "write-file", `${path} is outside the sandbox home`);
		mkdirSync(dirname(hostPath), { recursive: true });
		writeFileSync(hostPath, content, { mode: options?.mode ?? 0o644 });
	}

	async snapshot(sandboxId: string): Promise<SnapshotRef> {
		this.meta(sandboxId);
		const { snapshotId, sizeBytes } = await this.archive.create(this.layout(sandboxId).home);
		return { snapshotId, provider: "local", sizeBytes, createdAt: new Date() };
	}

	async pause(sandboxId: string): Promise<SnapshotRef> {
		const instance = this.instances.get(sandboxId);
		this.updateMeta(sandboxId, { stateReason: "paused" });
		this.instances.delete(sandboxId);
		await instance?.stop();
		const snapshot = await this.snapshot(sandboxId);
		this.updateMeta(sandboxId, { state: "paused", pauseSnapshotId: snapshot.snapshotId });
		clearTimeout(this.expiryTimers.get(sandboxId));
		return snapshot;
	}

	async resume(sandboxId: string, options: Partial<CreateSandboxOptions> = {}): Promise<SandboxHandle> {
		const meta = this.meta(sandboxId);
		if (meta.state === "running" && this.instances.get(sandboxId)?.alive) return this.handle(sandboxId, true);
		const layout = this.layout(sandboxId);
		const snapshotId = options.snapshotId ?? meta.pauseSnapshotId;
		if (snapshotId) {
			rmSync(layout.home, { recursive: true, force: true });
			await this.archive.restore(snapshotId, layout.home);
		}
		const lifetime = options.lifetimeSeconds ?? this.config.defaultLifetimeSeconds ?? 3600;
		this.updateMeta(sandboxId, {
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

	async terminate(sandboxId: string): Promise<void> {
		if (!isLocalSandboxId(sandboxId)) return;
		const layout = layoutFor(this.sandboxesDirectory, sandboxId);
		const meta = readMeta(layout.metaFile);
		clearTimeout(this.expiryTimers.get(sandboxId));
		const instance = this.instances.get(sandboxId);
		this.instances.delete(sandboxId);
		if (meta && meta.state !== "terminated")
			writeMeta(layout.metaFile, { ...meta, state: "terminated", stateReason: "terminated" });
		instance?.kill();
		rmSync(layout.home, { recursive: true, force: true });
		rmSync(layout.runDir, { recursive: true, force: true });
	}

	async status(sandboxId: string): Promise<SandboxStatus> {
		const meta = readMeta(this.layout(sandboxId).metaFile);
		if (!meta) throw new SandboxNotFoundError(sandboxId);
		const alive = this.instances.get(sandboxId)?.alive ?? false;
		const state = meta.state === "running" && !alive ? "failed" : meta.state;
		const stopKind = state === "failed" ? (meta.stateKind ?? "killed") : undefined;
		return {
			sandboxId,
			state,
			expiresAt: meta.expiresAt ? new Date(meta.expiresAt) : null,
			...(meta.stateReason ? { reason: meta.stateReason } : {}),
			...(stopKind ? { stopKind } : {}),
		};
	}

	async resolvePortUrl(sandboxId: string, port: number): Promise<string> {
		if (!Number.isInteger(port) || port < 1 || port > 65535) {
			throw new SandboxProviderError("local", "resolve-port", `${port} is not a valid port`);
		}
		const instance = this.running(sandboxId);
		const url = await instance.exposePort(port);
		const meta = this.meta(sandboxId);
		if (!meta.exposedPorts.includes(port))
			this.updateMeta(sandboxId, { exposedPorts: [...meta.exposedPorts, port] });
		return url;
	}

	async health(): Promise<ProviderHealth> {
		if (this.isolation === "none")
			return { healthy: true, message: "running WITHOUT isolation (bubblewrap missing)" };
		this.cgroupHost ??= detectCgroups();
		const limits = this.cgroupHost
			? `resource limits through cgroup v${this.cgroupHost.version}`
			: "no resource limits (no writable cgroups)";
		return { healthy: true, message: `bubblewrap at ${this.bwrapPath}; ${limits}` };
	}

	/** Sandboxes this process started that are still running (for sweeps and shutdown). */
	runningSandboxIds(): string[] {
		return [...this.instances.entries()].filter(([, instance]) => instance.alive).map(([id]) => id);
	}

	/** Every sandbox directory on disk with its recorded state. */
	listSandboxes(): SandboxMeta[] {
		if (!existsSync(this.sandboxesDirectory)) return [];
		return readdirSync(this.sandboxesDirectory)
			.filter(isLocalSandboxId)
			.map((id) => readMeta(layoutFor(this.sandboxesDirectory, id).metaFile))
			.filter((meta): meta is SandboxMeta => meta !== null);
	}

	/** Stops every sandbox this process runs (graceful shutdown). Their workspaces stay on disk. */
	async shutdown(): Promise<void> {
		clearInterval(this.diskWatch);
		this.diskWatch = undefined;
		await this.internetProxy?.close();
		await Promise.all(
			[...this.instances.entries()].map(async ([id, instance]) => {
				this.instances.delete(id);
				await instance.stop();
			}),
		);
		for (const timer of this.expiryTimers.values()) clearTimeout(timer);
	}
}

/** Whether `pid` is alive and is a sandbox process of this home (not a reused pid). */
function isSandboxProcess(pid: number, home: string): boolean {
	try {
		const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").at(1)?.[0];
		if (state === "Z" || state === "X") return false;
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(home);
	} catch {
		return false;
	}
}

/** Disk used by a directory tree in MB (`du`: hard links counted once, sparse files as allocated). */
function diskUsageMb(directory: string): Promise<number> {
	return new Promise((resolve) => {
		execFile("du", ["-sk", directory], { timeout: 60_000 }, (error, stdout) => {
			resolve(error ? 0 : Number(stdout.split(/\s/)[0] ?? 0) / 1024);
		});
	});
}

function asProviderError(error: unknown, operation: string, sandboxId: string): SandboxProviderError {
	if (error instanceof SandboxProviderError) return error;
	return new SandboxProviderError(
		"local",
		operation,
		error instanceof Error ? error.message : String(error),
		{
			sandboxId,
		},
	);
}
