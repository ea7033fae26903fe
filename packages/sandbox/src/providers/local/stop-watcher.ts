import type { Logger } from "@proliferate/logger";
import type { SandboxStopKind, SandboxStopNotice } from "@proliferate/shared";
import type { SandboxCgroup } from "./cgroups";
import type { SandboxInstance } from "./instance";
import { diskUsageMb } from "./resource-limits";
import type { SandboxRecords } from "./sandbox-records";

export interface StopWatcherDeps {
	records: SandboxRecords;
	/** The running instances of this process, shared with the provider. */
	instances: Map<string, SandboxInstance>;
	/** The boot id of each instance this process started (see `SandboxMeta.bootId`). */
	bootIds: WeakMap<SandboxInstance, string>;
	logger: Logger;
	onSandboxStopped?: (sandboxId: string, reason: string, kind: SandboxStopKind) => void;
}

/**
 * Sandboxes that stop on their own: expiry, a resource limit (cgroups, disk), an unexpected exit.
 * Each stop marks the sandbox `failed` with its reason and kind, and is reported to the configured
 * hook and every listener.
 */
export class SandboxStopWatcher {
	private readonly listeners = new Set<(stop: SandboxStopNotice) => void>();
	private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
	private diskWatch: NodeJS.Timeout | undefined;
	private diskCheckRunning = false;

	constructor(private readonly deps: StopWatcherDeps) {}

	subscribe(listener: (stop: SandboxStopNotice) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Tells the configured hook and every listener; a throwing listener does not stop the others. */
	private report(sandboxId: string, reason: string, kind: SandboxStopKind): void {
		for (const listener of [
			(stop: SandboxStopNotice) => this.deps.onSandboxStopped?.(stop.sandboxId, stop.reason, stop.kind),
			...this.listeners,
		]) {
			try {
				listener({ sandboxId, reason, kind });
			} catch (error) {
				this.deps.logger.error({ err: error, sandboxId }, "a sandbox stop listener failed");
			}
		}
	}

	scheduleExpiry(sandboxId: string, expiresAt: string | null): void {
		this.cancelExpiry(sandboxId);
		if (!expiresAt) return;
		const delay = Math.max(0, new Date(expiresAt).getTime() - Date.now());
		const timer = setTimeout(() => void this.expire(sandboxId), Math.min(delay, 2_147_000_000));
		timer.unref();
		this.expiryTimers.set(sandboxId, timer);
	}

	cancelExpiry(sandboxId: string): void {
		clearTimeout(this.expiryTimers.get(sandboxId));
	}

	cancelAllExpiries(): void {
		for (const timer of this.expiryTimers.values()) clearTimeout(timer);
	}

	private async expire(sandboxId: string): Promise<void> {
		const { instances, records } = this.deps;
		const instance = instances.get(sandboxId);
		if (!instance?.alive) return;
		const reason = "the sandbox reached the end of its lifetime";
		records.update(sandboxId, { stateReason: reason, stateKind: "expired" });
		instances.delete(sandboxId);
		await instance.stop();
		records.update(sandboxId, { state: "failed" });
		this.report(sandboxId, reason, "expired");
	}

	/** Disk usage is not a cgroup limit: every 10 s, sandboxes with `diskMb` are measured (`du`). */
	watchDisk(): void {
		if (this.diskWatch) return;
		this.diskWatch = setInterval(() => void this.checkDisk(), 10_000);
		this.diskWatch.unref();
	}

	stopDiskWatch(): void {
		clearInterval(this.diskWatch);
		this.diskWatch = undefined;
	}

	private async checkDisk(): Promise<void> {
		if (this.diskCheckRunning) return;
		this.diskCheckRunning = true;
		const { instances, records } = this.deps;
		try {
			for (const [sandboxId, instance] of instances) {
				const diskMb = records.read(sandboxId)?.resources?.diskMb;
				if (!diskMb || !instance.alive) continue;
				const usedMb = await diskUsageMb(records.layout(sandboxId).home);
				if (usedMb > diskMb && instances.get(sandboxId) === instance) {
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
	async stopForLimit(sandboxId: string, reason: string, kind: SandboxStopKind): Promise<void> {
		const { instances, records, logger } = this.deps;
		const instance = instances.get(sandboxId);
		if (!instance?.alive) return;
		records.update(sandboxId, { stateReason: reason, stateKind: kind });
		instances.delete(sandboxId);
		this.cancelExpiry(sandboxId);
		instance.kill();
		records.update(sandboxId, { state: "failed" });
		logger.warn({ sandboxId, reason }, "sandbox stopped: resource limit exceeded");
		this.report(sandboxId, reason, kind);
	}

	/** An instance exited: unless it was asked to (or another boot replaced it), the sandbox failed. */
	handleExit(
		sandboxId: string,
		instance: SandboxInstance,
		code: number | null,
		signal: string | null,
		cgroup: SandboxCgroup | undefined,
	): void {
		const { instances, records, bootIds, logger } = this.deps;
		if (instances.get(sandboxId) !== instance) return;
		instances.delete(sandboxId);
		const meta = records.read(sandboxId);
		if (meta?.state !== "running") return;
		// Another process booted the sandbox since (it took the session over): its state is not ours to change.
		if (meta.bootId && meta.bootId !== bootIds.get(instance)) return;
		const limit = cgroup?.limitHit();
		const reason =
			meta.stateReason ?? limit?.reason ?? `the sandbox exited unexpectedly (${signal ?? `code ${code}`})`;
		const kind = meta.stateKind ?? limit?.kind ?? "killed";
		records.write(sandboxId, { ...meta, state: "failed", stateReason: reason, stateKind: kind });
		logger.warn({ sandboxId, reason, output: instance.bootOutput.slice(-500) }, "sandbox stopped");
		this.report(sandboxId, reason, kind);
	}
}
