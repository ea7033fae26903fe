/**
 * The contract every sandbox provider (local bubblewrap, E2B, Modal) implements.
 * Providers keep no per-sandbox state in memory that cannot be rebuilt: a fresh provider
 * instance can recover a sandbox from its id. `packages/sandbox` holds the implementations
 * and the shared contract test suite.
 */

import type { SandboxStopKind } from "../events/session-events";

export type SandboxProviderType = "local" | "e2b" | "modal";

export type SandboxState = "creating" | "running" | "paused" | "terminated" | "failed";

export interface RepoSource {
	/** A git URL or an absolute local path (self-hosted mode). */
	url: string;
	/** Branch to check out; the repository's default branch when omitted. */
	branch?: string;
	/** Commit to check out after cloning (detached), optional. */
	commit?: string;
	/** Token used for HTTPS clones of private repositories (never written to disk in clear). */
	token?: string;
}

/** Who commits in a sandbox unless the repository or the person there sets someone else. */
export const SANDBOX_GIT_IDENTITY = { name: "Proliferate Agent", email: "agent@proliferate.local" } as const;

/**
 * Lines every provider writes to a process's log (`~/.proliferate/logs/<name>.log`): before each
 * start, and when the process exits. A reader takes the part after the last `starting` as the
 * current run, and knows from `exited` that it ended (e.g. OpenCode failing at start).
 */
export const PROCESS_LOG_MARKERS = {
	starting: "[sandbox-init] starting",
	exited: "[sandbox-init] exited",
} as const;

/** A long-running process the sandbox starts at boot and again after every resume/restore. */
export interface SandboxProcessSpec {
	/** Unique within the sandbox, e.g. "opencode" or "sandbox-mcp". */
	name: string;
	/** argv; run with the workspace as cwd unless `cwd` is given. */
	command: string[];
	cwd?: string;
	env?: Record<string, string>;
	/**
	 * Written to the process's standard input, which is then closed. For a credential the process
	 * must have but other processes in the sandbox should not read from its /proc/<pid>/environ.
	 */
	stdin?: string;
	/** Port the process listens on inside the sandbox, to be exposed to the platform. */
	port?: number;
}

/**
 * One request a sandbox may send to an egress target: an exact method and a path whose `*`
 * segments stand for exactly one plain segment (letters, digits, `.`, `_`, `-`; never `.`/`..`).
 */
export interface SandboxEgressRoute {
	method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	/** e.g. `/sessions/<session id>/tools/*`. */
	path: string;
}

/** A platform service the sandbox must reach (LLM proxy, gateway callbacks). */
export interface SandboxEgressTarget {
	/** e.g. "llm-proxy", "gateway". */
	name: string;
	/** URL of the service as the host sees it, e.g. http://127.0.0.1:4200. */
	url: string;
	/**
	 * When given, the relay into the sandbox speaks HTTP and forwards only requests matching one of
	 * these routes (every request of every connection is checked; anything else gets 403 there). A
	 * target without rules is relayed as plain TCP. Providers whose sandboxes reach targets directly
	 * (E2B, Modal: public URLs) cannot filter; the target itself authenticates those requests.
	 */
	allow?: SandboxEgressRoute[];
}

export interface SandboxResources {
	memoryMb?: number;
	maxProcesses?: number;
	diskMb?: number;
	/** Relative CPU share (cgroup cpu.shares / cpu.weight), 1024 = one normal process. */
	cpuShares?: number;
}

export interface CreateSandboxOptions {
	/** Session the sandbox belongs to; null for a warm-pool sandbox not yet claimed. */
	sessionId: string | null;
	organizationId: string | null;
	/** Repository to clone into the workspace; omitted for scratch sandboxes and snapshot restores. */
	repo?: RepoSource;
	/** Restore the workspace (and agent state) from this snapshot instead of cloning. */
	snapshotId?: string;
	/** Environment variables for every process in the sandbox (secrets reach sandboxes only this way or as files). */
	env?: Record<string, string>;
	/** Files written before processes start (paths relative to the sandbox home unless absolute inside it). */
	files?: { path: string; content: string | Uint8Array; mode?: number }[];
	processes?: SandboxProcessSpec[];
	egress?: SandboxEgressTarget[];
	/** Seconds until the sandbox expires (provider default when omitted). */
	lifetimeSeconds?: number;
	resources?: SandboxResources;
	/**
	 * Ports to open to the platform at creation besides the processes' own (a warm-pool sandbox
	 * has no processes yet; Modal opens tunnels only for ports known when the sandbox is created).
	 */
	ports?: number[];
}

/**
 * What a session adds when it claims a pre-started sandbox (warm pool): the sandbox already runs,
 * so its snapshot, lifetime and resources are fixed; the rest is applied at claim time.
 */
export type ClaimSandboxOptions = Omit<
	CreateSandboxOptions,
	"snapshotId" | "lifetimeSeconds" | "resources" | "ports" | "sessionId" | "organizationId"
> & { sessionId: string; organizationId: string };

export interface SandboxHandle {
	sandboxId: string;
	provider: SandboxProviderType;
	state: SandboxState;
	/** Absolute path of the repository checkout inside the sandbox. */
	workspaceDir: string;
	/** Absolute path of the sandbox user's home inside the sandbox. */
	homeDir: string;
	/** When the provider will stop the sandbox; the gateway migrates before then. */
	expiresAt: Date | null;
	/** URLs the platform uses to reach each exposed process port, keyed by port. */
	ports: Record<number, string>;
	/** URLs the sandbox's processes use to reach each egress target, keyed by target name. */
	egress: Record<string, string>;
	/** True when ensureSandbox found and reused a live sandbox. */
	recovered: boolean;
}

export interface ExecOptions {
	cwd?: string;
	env?: Record<string, string>;
	/** Kill the command after this many milliseconds (default 60 s). */
	timeoutMs?: number;
	stdin?: string | Uint8Array;
	/** Return non-zero exits as results instead of throwing SandboxCommandError. */
	allowFailure?: boolean;
}

export interface ExecResult {
	exitCode: number;
	signal: string | null;
	stdout: string;
	stderr: string;
	durationMs: number;
}

export interface SnapshotRef {
	snapshotId: string;
	provider: SandboxProviderType;
	sizeBytes: number | null;
	createdAt: Date;
}

export interface SandboxStatus {
	sandboxId: string;
	state: SandboxState;
	expiresAt: Date | null;
	/** Why it stopped, when it stopped on its own (limit exceeded, expired, crashed). */
	reason?: string;
	/** The kind of that stop, when the provider knows it. */
	stopKind?: SandboxStopKind;
}

/** A sandbox that stopped on its own, as a provider reports it (`onSandboxStopped`). */
export interface SandboxStopNotice {
	sandboxId: string;
	kind: SandboxStopKind;
	reason: string;
}

/** A sandbox as the provider's own listing reports it (`listSandboxes`). */
export interface ListedSandbox {
	sandboxId: string;
	state: SandboxState;
	/** When the provider created (or last started) it; the sweeper spares young unknown sandboxes. */
	createdAt: Date;
}

/** A stored snapshot as the provider's own listing reports it (`listSnapshots`). */
export interface ListedSnapshot {
	snapshotId: string;
	createdAt: Date;
	sizeBytes: number | null;
}

export interface ProviderHealth {
	healthy: boolean;
	message?: string;
}

export interface SandboxProvider {
	readonly type: SandboxProviderType;
	/** Recover the session's live sandbox when `sandboxId` still runs, else create one. */
	ensureSandbox(options: CreateSandboxOptions & { sandboxId?: string }): Promise<SandboxHandle>;
	createSandbox(options: CreateSandboxOptions): Promise<SandboxHandle>;
	/**
	 * Hand a running sandbox created without a session (warm pool) to one: record the owner, clone
	 * the repository into its empty workspace, write files, add the environment and egress, and start
	 * the processes. Refused (SandboxAlreadyClaimedError) when it already belongs to a session; a
	 * sandbox that stopped is reported like any other (not found / terminated).
	 */
	claimSandbox(sandboxId: string, options: ClaimSandboxOptions): Promise<SandboxHandle>;
	/** Run a command (argv, or a string run by /bin/sh -c) in the workspace. */
	exec(sandboxId: string, command: string[] | string, options?: ExecOptions): Promise<ExecResult>;
	readFile(sandboxId: string, path: string): Promise<Uint8Array>;
	writeFile(
		sandboxId: string,
		path: string,
		content: string | Uint8Array,
		options?: { mode?: number },
	): Promise<void>;
	snapshot(sandboxId: string): Promise<SnapshotRef>;
	/** Snapshot, then stop every process. Returns the snapshot to resume from. */
	pause(sandboxId: string): Promise<SnapshotRef>;
	/** Restore from the pause snapshot and restart the sandbox's processes. */
	resume(sandboxId: string, options?: Partial<CreateSandboxOptions>): Promise<SandboxHandle>;
	/** Remove everything but snapshots. Idempotent: an unknown sandbox is not an error. */
	terminate(sandboxId: string): Promise<void>;
	status(sandboxId: string): Promise<SandboxStatus>;
	/** URL through which the platform reaches `port` inside the sandbox. */
	resolvePortUrl(sandboxId: string, port: number): Promise<string>;
	health(): Promise<ProviderHealth>;
	/**
	 * Reports sandboxes that stop on their own (resource limit, expiry, crash) as they stop; returns
	 * the unsubscribe function. Providers without it are watched through `status()` instead.
	 */
	onSandboxStopped?(listener: (stop: SandboxStopNotice) => void): () => void;
	/**
	 * Every sandbox the provider holds that is not terminated (the sweeper's orphan search). Absent
	 * where the vendor cannot list; the sweeper then sees only the sandboxes the platform recorded.
	 */
	listSandboxes?(): Promise<ListedSandbox[]>;
	/** Every stored snapshot with its creation time (snapshot retention). */
	listSnapshots?(): Promise<ListedSnapshot[]>;
	/** Delete a stored snapshot. Idempotent: an unknown id is not an error. */
	deleteSnapshot?(snapshotId: string): Promise<void>;
}
