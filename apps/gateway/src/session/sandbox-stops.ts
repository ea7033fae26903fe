import type { Logger } from "@proliferate/logger";
import {
	DomainError,
	type SandboxProvider,
	type SandboxStatus,
	type SandboxStopKind,
	type SandboxStopNotice,
	SandboxTerminatedError,
} from "@proliferate/shared";

/** A sandbox stop the session did not ask for: what kind, and what happened (for people). */
export interface SandboxStop {
	kind: SandboxStopKind;
	message: string;
}

/**
 * The kind of a stop from a provider's reason text, for providers that give no kind (remote
 * status, `SandboxTerminatedError`s). Unknown reasons are provider errors.
 */
export function classifyStopReason(reason: string): SandboxStopKind {
	if (/memory limit|out of memory|\boom\b/i.test(reason)) return "memory_limit";
	if (/process limit/i.test(reason)) return "process_limit";
	if (/disk limit|no space left/i.test(reason)) return "disk_limit";
	if (/lifetime|expired|timed? ?out/i.test(reason)) return "expired";
	if (/killed|exited unexpectedly|SIGKILL|SIGTERM/i.test(reason)) return "killed";
	return "provider_error";
}

/** The stop a provider's status reports (a sandbox that is no longer running), or undefined. */
export function stopFromStatus(status: SandboxStatus): SandboxStop | undefined {
	if (status.state === "running" || status.state === "creating") return undefined;
	const message = status.reason ?? `the sandbox is ${status.state}`;
	return { kind: status.stopKind ?? classifyStopReason(message), message };
}

/** The stop behind an error from the sandbox (it died or was stopped), or undefined. */
export function stopFromError(error: unknown): SandboxStop | undefined {
	if (error instanceof DomainError && error.code === "SANDBOX_NOT_FOUND")
		return { kind: "killed", message: "the sandbox is gone" };
	if (!(error instanceof SandboxTerminatedError)) return undefined;
	const reason = typeof error.details?.reason === "string" ? error.details.reason : error.message;
	return { kind: classifyStopReason(reason), message: reason };
}

/** The agent inside a running sandbox did not take a prompt (OpenCode not answering). */
export class AgentUnavailableError extends DomainError {
	constructor() {
		super(
			"unavailable",
			"AGENT_UNAVAILABLE",
			"The agent did not accept the prompt (it is not answering inside the sandbox); try again in a moment",
		);
	}
}

export interface SandboxStopWatchOptions {
	logger: Logger;
	/** How often sandboxes of providers that cannot report stops are checked (`status()`). */
	pollIntervalMs?: number;
}

type Listener = (stop: SandboxStop) => void;

/**
 * Watches the sandboxes of this gateway's live sessions for stops the sessions did not ask for.
 * Providers that report stops (`onSandboxStopped`, the local provider) are subscribed to once;
 * the others are polled with `status()` while a watch is open. A session closes its watch before
 * it pauses, terminates or migrates, so stops it asked for are never reported.
 */
export class SandboxStopWatch {
	private readonly listeners = new Map<string, Listener>();
	private readonly subscriptions = new Map<SandboxProvider, () => void>();
	private readonly polls = new Map<string, NodeJS.Timeout>();

	constructor(private readonly options: SandboxStopWatchOptions) {}

	/** Calls `onStop` (once) when the sandbox stops on its own; returns the function that ends the watch. */
	watch(provider: SandboxProvider, sandboxId: string, onStop: Listener): () => void {
		const key = `${provider.type}:${sandboxId}`;
		let reported = false;
		const listener: Listener = (stop) => {
			if (reported) return;
			reported = true;
			end();
			onStop(stop);
		};
		const end = () => {
			if (this.listeners.get(key) === listener) this.listeners.delete(key);
			clearInterval(this.polls.get(key));
			this.polls.delete(key);
		};
		this.listeners.set(key, listener);
		if (provider.onSandboxStopped) this.subscribe(provider);
		else this.poll(provider, sandboxId, key);
		return end;
	}

	private subscribe(provider: SandboxProvider): void {
		if (this.subscriptions.has(provider) || !provider.onSandboxStopped) return;
		const unsubscribe = provider.onSandboxStopped((notice: SandboxStopNotice) => {
			this.listeners.get(`${provider.type}:${notice.sandboxId}`)?.({
				kind: notice.kind,
				message: notice.reason,
			});
		});
		this.subscriptions.set(provider, unsubscribe);
	}

	private poll(provider: SandboxProvider, sandboxId: string, key: string): void {
		let checking = false;
		const timer = setInterval(() => {
			if (checking) return;
			checking = true;
			provider
				.status(sandboxId)
				.then((status) => {
					const stop = stopFromStatus(status);
					if (stop) this.listeners.get(key)?.(stop);
				})
				.catch((error: unknown) => {
					// Gone or terminated: a stop. Anything else (network) is retried at the next tick.
					const stop = stopFromError(error);
					if (stop) this.listeners.get(key)?.(stop);
					else this.options.logger.debug({ err: error, sandboxId }, "checking the sandbox failed");
				})
				.finally(() => {
					checking = false;
				});
		}, this.options.pollIntervalMs ?? 5000);
		timer.unref();
		this.polls.set(key, timer);
	}

	/** Ends every watch and subscription (gateway shutdown). */
	close(): void {
		for (const timer of this.polls.values()) clearInterval(timer);
		this.polls.clear();
		this.listeners.clear();
		for (const unsubscribe of this.subscriptions.values()) unsubscribe();
		this.subscriptions.clear();
	}
}
