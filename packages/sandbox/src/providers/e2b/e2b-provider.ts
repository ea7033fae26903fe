import { randomBytes } from "node:crypto";
import {
	DomainError,
	type ListedSandbox,
	type ProviderHealth,
	SandboxNotFoundError,
	SandboxProviderError,
} from "@proliferate/shared";
import { ConnectionConfig, type ConnectionOpts, Sandbox } from "e2b";
import {
	type RawCreateParams,
	type RawRunResult,
	type RawStatus,
	type RemoteProviderOptions,
	SandboxPausedError,
} from "../remote/primitives";
import { RemoteSandboxProvider } from "../remote/remote-provider";
import { REMOTE_HOME } from "../remote/sandbox-state";
import { shellQuote } from "../remote/shell";

export interface E2BProviderConfig extends RemoteProviderOptions {
	/** `E2B_API_KEY`. */
	apiKey: string;
	/** Template (id or alias) new sandboxes start from, built from packages/modal-sandbox's image. */
	template: string;
	/** `E2B_DOMAIN` (default e2b.app; self-hosted E2B uses its own). */
	domain?: string;
	/** Override of the control-plane URL (default `https://api.<domain>`). */
	apiUrl?: string;
	/** Override of the sandbox (envd) URL; requests carry the `E2b-Sandbox-Id` header. */
	sandboxUrl?: string;
	/**
	 * URL of an exposed port, `{port}`, `{sandboxId}` and `{domain}` substituted. Default
	 * `https://{port}-{sandboxId}.{domain}` (what `Sandbox.getHost` gives).
	 */
	portUrlTemplate?: string;
	requestTimeoutMs?: number;
}

const TRANSIENT_NAMES = new Set(["RateLimitError", "ServiceBusyError"]);

/**
 * Sandboxes on E2B through the `e2b` SDK. Native pause (`Sandbox.pause`) keeps the sandbox id;
 * snapshots (`createSnapshot`) are durable templates new sandboxes start from.
 */
export class E2BSandboxProvider extends RemoteSandboxProvider {
	readonly type = "e2b" as const;
	private readonly sandboxes = new Map<string, Sandbox>();
	private readonly connection: ConnectionOpts;

	constructor(private readonly config: E2BProviderConfig) {
		super(config);
		if (!config.apiKey) throw new SandboxProviderError("e2b", "configure", "E2B_API_KEY is required");
		if (!config.template) throw new SandboxProviderError("e2b", "configure", "E2B_TEMPLATE is required");
		this.connection = {
			apiKey: config.apiKey,
			domain: config.domain,
			apiUrl: config.apiUrl,
			sandboxUrl: config.sandboxUrl,
			requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
			// Our own retry loop handles 5xx/429; the SDK's handles 429 with Retry-After.
			retries: 0,
		};
	}

	protected async rawCreate(params: RawCreateParams): Promise<{ sandboxId: string; expiresAt: Date | null }> {
		const sandbox = await Sandbox.create(params.snapshotId ?? this.config.template, {
			...this.connection,
			envs: params.env,
			metadata: params.metadata,
			timeoutMs: params.lifetimeSeconds * 1000,
		});
		this.sandboxes.set(sandbox.sandboxId, sandbox);
		return { sandboxId: sandbox.sandboxId, expiresAt: new Date(Date.now() + params.lifetimeSeconds * 1000) };
	}

	private async sandbox(sandboxId: string): Promise<Sandbox> {
		const cached = this.sandboxes.get(sandboxId);
		if (cached) return cached;
		// `connect` resumes a paused sandbox; work on a paused one is refused instead.
		const info = await Sandbox.getInfo(sandboxId, this.connection);
		if (info.state === "paused") throw new SandboxPausedError(sandboxId);
		const sandbox = await Sandbox.connect(sandboxId, this.connection);
		this.sandboxes.set(sandboxId, sandbox);
		return sandbox;
	}

	protected async rawRun(
		sandboxId: string,
		script: string,
		options: { timeoutMs: number; stdin?: Uint8Array },
	): Promise<RawRunResult> {
		const sandbox = await this.sandbox(sandboxId);
		let command = script;
		let stdinFile: string | null = null;
		if (options.stdin) {
			stdinFile = `${REMOTE_HOME}/.proliferate/stdin-${randomBytes(6).toString("hex")}`;
			await this.rawWrite(sandboxId, stdinFile, options.stdin);
			command = `{\n${script}\n} < ${shellQuote(stdinFile)}; __status=$?; rm -f ${shellQuote(stdinFile)}; exit $__status`;
		}
		let stdout = "";
		let stderr = "";
		const started = Date.now();
		try {
			const result = await sandbox.commands.run(command, {
				timeoutMs: options.timeoutMs,
				onStdout: (data) => {
					stdout += data;
				},
				onStderr: (data) => {
					stderr += data;
				},
			});
			return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, timedOut: false };
		} catch (error) {
			const name = (error as Error)?.name;
			if (name === "CommandExitError") {
				const exit = error as { exitCode: number; stdout: string; stderr: string };
				return { exitCode: exit.exitCode, stdout: exit.stdout, stderr: exit.stderr, timedOut: false };
			}
			if (name === "TimeoutError" && Date.now() - started >= options.timeoutMs - 50) {
				return { exitCode: -1, stdout, stderr, timedOut: true };
			}
			throw error;
		}
	}

	protected async rawRead(sandboxId: string, path: string): Promise<Uint8Array> {
		const sandbox = await this.sandbox(sandboxId);
		return sandbox.files.read(path, { format: "bytes" });
	}

	protected async rawWrite(sandboxId: string, path: string, content: Uint8Array): Promise<void> {
		const sandbox = await this.sandbox(sandboxId);
		const buffer = content.buffer.slice(
			content.byteOffset,
			content.byteOffset + content.byteLength,
		) as ArrayBuffer;
		await sandbox.files.write(path, buffer, { useOctetStream: true });
	}

	protected async rawSnapshot(sandboxId: string): Promise<{ snapshotId: string; sizeBytes: number | null }> {
		const snapshot = await Sandbox.createSnapshot(sandboxId, this.connection);
		return { snapshotId: snapshot.snapshotId, sizeBytes: null };
	}

	protected async rawPause(sandboxId: string): Promise<void> {
		await Sandbox.pause(sandboxId, this.connection);
		this.sandboxes.delete(sandboxId);
	}

	protected async rawResume(sandboxId: string, lifetimeSeconds: number): Promise<boolean> {
		try {
			const sandbox = await Sandbox.connect(sandboxId, {
				...this.connection,
				timeoutMs: lifetimeSeconds * 1000,
			});
			this.sandboxes.set(sandboxId, sandbox);
			return true;
		} catch (error) {
			if ((error as Error)?.name === "SandboxNotFoundError" || (error as Error)?.name === "NotFoundError") {
				return false;
			}
			throw error;
		}
	}

	protected async rawTerminate(sandboxId: string): Promise<void> {
		this.sandboxes.delete(sandboxId);
		await Sandbox.kill(sandboxId, this.connection);
	}

	protected async rawStatus(sandboxId: string): Promise<RawStatus | null> {
		try {
			const info = await Sandbox.getInfo(sandboxId, this.connection);
			const state = info.state === "paused" ? "paused" : "running";
			return { state, expiresAt: info.endAt };
		} catch (error) {
			const name = (error as Error)?.name;
			if (name === "SandboxNotFoundError" || name === "NotFoundError") return null;
			throw error;
		}
	}

	protected async rawPortUrl(sandboxId: string, port: number): Promise<string> {
		const connection = new ConnectionConfig(this.connection);
		if (this.config.portUrlTemplate) {
			return this.config.portUrlTemplate
				.replaceAll("{port}", String(port))
				.replaceAll("{sandboxId}", sandboxId)
				.replaceAll("{domain}", connection.domain);
		}
		return `https://${connection.getHost(sandboxId, port, connection.domain)}`;
	}

	/** Every running or paused sandbox of the API key's team (E2B `GET /v2/sandboxes`, page by page). */
	async listSandboxes(): Promise<ListedSandbox[]> {
		return this.call("list", null, async () => {
			const listed: ListedSandbox[] = [];
			const paginator = Sandbox.list({ ...this.connection, limit: 100 });
			while (paginator.hasNext) {
				for (const info of await paginator.nextItems())
					listed.push({
						sandboxId: info.sandboxId,
						state: info.state === "paused" ? "paused" : "running",
						createdAt: info.startedAt,
					});
			}
			return listed;
		});
	}

	protected async rawHealth(): Promise<ProviderHealth> {
		await Sandbox.list({ ...this.connection, limit: 1 }).nextItems();
		return { healthy: true };
	}

	protected mapError(error: unknown, sandboxId: string | null): DomainError | null {
		const name = (error as Error)?.name;
		const message = error instanceof Error ? error.message : String(error);
		if (name === "SandboxNotFoundError" || (name === "NotFoundError" && /sandbox/i.test(message))) {
			return sandboxId ? new SandboxNotFoundError(sandboxId) : null;
		}
		if (name === "FileNotFoundError" || name === "NotFoundError") {
			return new DomainError("not_found", "SANDBOX_FILE_NOT_FOUND", message, { sandboxId });
		}
		if (name === "AuthenticationError") {
			return new SandboxProviderError("e2b", "authenticate", `E2B rejected the API key: ${message}`);
		}
		if (name === "RateLimitError") {
			return new DomainError("rate_limited", "SANDBOX_PROVIDER_RATE_LIMITED", message, { provider: "e2b" });
		}
		return null;
	}

	protected isTransient(error: unknown): boolean {
		const name = (error as Error)?.name;
		if (TRANSIENT_NAMES.has(name)) return true;
		const message = error instanceof Error ? error.message : "";
		// 5xx from the control plane, dropped connections.
		if (/^5\d\d:/.test(message)) return true;
		return (
			error instanceof TypeError && /fetch failed|ECONNRESET|ECONNREFUSED/.test(String(error.cause ?? error))
		);
	}
}
