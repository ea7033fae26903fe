import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * The "cloud" behind the E2B and Modal protocol fakes: each fake sandbox is a directory mounted at
 * `/home/user` (bubblewrap, host root otherwise shared, same network namespace so exposed ports are
 * host ports). Snapshots are directory copies. Test support only — never used by the platform.
 */
export interface FakeSandboxRecord {
	id: string;
	state: "running" | "paused" | "killed";
	template: string;
	env: Record<string, string>;
	startedAt: Date;
	endAt: Date;
	metadata: Record<string, string>;
	name?: string;
}

export interface FakeRunOptions {
	cwd?: string;
	env?: Record<string, string>;
	stdin?: Uint8Array;
	/** Leave stdin open for the caller to write (child.stdin). */
	keepStdinOpen?: boolean;
	onStdout?: (chunk: Buffer) => void;
	onStderr?: (chunk: Buffer) => void;
}

export interface FakeRun {
	child: ChildProcess;
	done: Promise<{ exitCode: number | null; signal: string | null }>;
	kill: () => void;
}

const MARKER = "FAKE_CLOUD_SANDBOX_ID";

/** A host directory the fake image carries at `sandboxPath` (read-only, under /opt). */
export interface FakeImageMount {
	hostPath: string;
	sandboxPath: string;
}

export class FakeMachine {
	readonly sandboxes = new Map<string, FakeSandboxRecord>();
	private readonly snapshotsDir: string;
	private readonly homesDir: string;

	/**
	 * `imageMounts` stand for what the real sandbox image (packages/modal-sandbox) installs under
	 * /opt: OpenCode, the agent helpers and sandbox-mcp. The host's own /opt is hidden.
	 */
	constructor(
		readonly root: string,
		private readonly imageMounts: FakeImageMount[] = [],
	) {
		for (const mount of imageMounts) {
			if (!mount.sandboxPath.startsWith("/opt/"))
				throw new Error(`fake image mounts live under /opt, not ${mount.sandboxPath}`);
		}
		this.homesDir = join(root, "homes");
		this.snapshotsDir = join(root, "snapshots");
		mkdirSync(this.homesDir, { recursive: true });
		mkdirSync(this.snapshotsDir, { recursive: true });
	}

	homeOf(id: string): string {
		return join(this.homesDir, id);
	}

	create(params: {
		template: string;
		env?: Record<string, string>;
		timeoutSeconds?: number;
		metadata?: Record<string, string>;
		name?: string;
		prefix?: string;
	}): FakeSandboxRecord {
		const id = `${params.prefix ?? "i"}${randomBytes(8).toString("hex")}`;
		const home = this.homeOf(id);
		const snapshot = join(this.snapshotsDir, params.template);
		if (existsSync(snapshot)) cpSync(snapshot, home, { recursive: true, preserveTimestamps: true });
		else mkdirSync(join(home, "workspace"), { recursive: true });
		const now = new Date();
		const record: FakeSandboxRecord = {
			id,
			state: "running",
			template: params.template,
			env: params.env ?? {},
			startedAt: now,
			endAt: new Date(now.getTime() + (params.timeoutSeconds ?? 300) * 1000),
			metadata: params.metadata ?? {},
			name: params.name,
		};
		this.sandboxes.set(id, record);
		return record;
	}

	hasSnapshot(id: string): boolean {
		return existsSync(join(this.snapshotsDir, id));
	}

	/** Copy the sandbox's filesystem into a new snapshot; returns its id. */
	snapshot(id: string, prefix = "snap_"): string {
		const snapshotId = `${prefix}${randomBytes(8).toString("hex")}`;
		execFileSync("cp", ["-a", this.homeOf(id), join(this.snapshotsDir, snapshotId)]);
		return snapshotId;
	}

	/** Stop every process of the sandbox (fake pause keeps the filesystem only). */
	stopProcesses(id: string): void {
		for (const pid of this.pidsOf(id)) {
			try {
				process.kill(pid, "SIGKILL");
			} catch {
				// already gone
			}
		}
	}

	kill(id: string): void {
		const record = this.sandboxes.get(id);
		this.stopProcesses(id);
		if (record) record.state = "killed";
		rmSync(this.homeOf(id), { recursive: true, force: true });
	}

	killAll(): void {
		for (const id of this.sandboxes.keys()) this.kill(id);
	}

	/** Run `argv` inside the sandbox as bubblewrap would see it: its directory at /home/user. */
	run(id: string, argv: string[], options: FakeRunOptions = {}): FakeRun {
		const record = this.sandboxes.get(id);
		if (!record) throw new Error(`unknown fake sandbox ${id}`);
		const env: Record<string, string> = {
			PATH: "/usr/local/bin:/usr/bin:/bin",
			HOME: "/home/user",
			LANG: "C.UTF-8",
			...record.env,
			...options.env,
			[MARKER]: id,
		};
		const child = spawn(
			"bwrap",
			[
				"--dev-bind",
				"/",
				"/",
				"--tmpfs",
				"/home",
				"--bind",
				this.homeOf(id),
				"/home/user",
				...(this.imageMounts.length > 0 ? ["--tmpfs", "/opt"] : []),
				...this.imageMounts.flatMap((mount) => ["--ro-bind", mount.hostPath, mount.sandboxPath]),
				"--chdir",
				options.cwd ?? "/home/user",
				"--",
				...argv,
			],
			{ env, detached: true, stdio: ["pipe", "pipe", "pipe"] },
		);
		child.stdout?.on("data", (chunk: Buffer) => options.onStdout?.(chunk));
		child.stderr?.on("data", (chunk: Buffer) => options.onStderr?.(chunk));
		child.stdin?.on("error", () => {});
		if (options.stdin) child.stdin?.end(Buffer.from(options.stdin));
		else if (!options.keepStdinOpen) child.stdin?.end();
		const done = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => {
			child.on("close", (exitCode, signal) => resolve({ exitCode, signal }));
			child.on("error", () => resolve({ exitCode: 127, signal: null }));
		});
		return {
			child,
			done,
			kill: () => {
				try {
					if (child.pid) process.kill(-child.pid, "SIGKILL");
				} catch {
					// already gone
				}
			},
		};
	}

	private pidsOf(id: string): number[] {
		const pids: number[] = [];
		for (const entry of readdirSync("/proc")) {
			if (!/^\d+$/.test(entry)) continue;
			try {
				const environ = readFileSync(`/proc/${entry}/environ`, "latin1");
				if (environ.split("\0").includes(`${MARKER}=${id}`)) pids.push(Number(entry));
			} catch {
				// exited or not ours
			}
		}
		return pids;
	}
}
