import {
	DomainError,
	type ProviderHealth,
	SandboxNotFoundError,
	SandboxProviderError,
} from "@proliferate/shared";
import { ModalClient } from "modal";
import type { RawCreateParams, RawRunResult, RawStatus, RemoteProviderOptions } from "../remote/primitives";
import { RemoteSandboxProvider } from "../remote/remote-provider";
import { shellQuote } from "../remote/shell";
import type { ModalClientLike, ModalSandboxLike } from "./modal-client";

export interface ModalProviderConfig extends RemoteProviderOptions {
	/** `MODAL_TOKEN_ID` (ak-…) and `MODAL_TOKEN_SECRET` (as-…). */
	tokenId?: string;
	tokenSecret?: string;
	/** `MODAL_ENVIRONMENT`. */
	environment?: string;
	/** `MODAL_APP_NAME`: the app sandboxes are created in (deploy.py deploys it). */
	appName: string;
	/** Image sandboxes start from: an image id (`MODAL_IMAGE_ID`, printed by deploy.py) … */
	imageId?: string;
	/** … or a registry tag (`MODAL_IMAGE`) when no image id is given. */
	imageTag?: string;
	cpu?: number;
	memoryMiB?: number;
	/** Use this client instead of constructing a `ModalClient` (tests pass the SDK-boundary fake). */
	client?: ModalClientLike;
}

// gRPC status codes (nice-grpc `Status`).
const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_INTERNAL = 13;
const GRPC_UNAVAILABLE = 14;
const GRPC_UNAUTHENTICATED = 16;

function grpcCode(error: unknown): number | null {
	if ((error as { name?: string })?.name !== "ClientError") return null;
	const code = (error as { code?: unknown }).code;
	return typeof code === "number" ? code : null;
}

/**
 * Sandboxes on Modal through its JS SDK (`modal` 0.11). Our sandbox id is the Modal sandbox *name*
 * (unique per app), so a fresh provider finds a sandbox with `sandboxes.fromName` and a paused
 * sandbox comes back under the same id. Modal cannot pause: pause = filesystem snapshot +
 * terminate, resume = a new sandbox with the same name from that image. Files go through exec
 * (base64), ports through encrypted tunnels declared at creation.
 */
export class ModalSandboxProvider extends RemoteSandboxProvider {
	readonly type = "modal" as const;
	private readonly client: ModalClientLike;
	private readonly sandboxes = new Map<string, ModalSandboxLike>();

	constructor(private readonly config: ModalProviderConfig) {
		super(config);
		if (!config.imageId && !config.imageTag) {
			throw new SandboxProviderError("modal", "configure", "MODAL_IMAGE_ID or MODAL_IMAGE is required");
		}
		if (config.client) {
			this.client = config.client;
		} else {
			if (!config.tokenId?.startsWith("ak-") || !config.tokenSecret?.startsWith("as-")) {
				throw new SandboxProviderError(
					"modal",
					"configure",
					"MODAL_TOKEN_ID (ak-…) and MODAL_TOKEN_SECRET (as-…) are required",
				);
			}
			// The SDK's key/value log arguments become fields of our structured logger.
			const log = this.logger.child({ module: "modal-sdk" });
			const fields = (args: unknown[]) => {
				const out: Record<string, unknown> = {};
				for (let index = 0; index + 1 < args.length; index += 2) out[String(args[index])] = args[index + 1];
				return out;
			};
			const client: ModalClientLike = new ModalClient({
				tokenId: config.tokenId,
				tokenSecret: config.tokenSecret,
				environment: config.environment,
				logger: {
					debug: (message, ...args) => log.debug(fields(args), message),
					info: (message, ...args) => log.info(fields(args), message),
					warn: (message, ...args) => log.warn(fields(args), message),
					error: (message, ...args) => log.error(fields(args), message),
				},
			});
			this.client = client;
		}
	}

	private async sandbox(sandboxId: string): Promise<ModalSandboxLike> {
		const cached = this.sandboxes.get(sandboxId);
		if (cached) return cached;
		const sandbox = await this.client.sandboxes.fromName(this.config.appName, sandboxId, {
			environment: this.config.environment,
		});
		this.sandboxes.set(sandboxId, sandbox);
		return sandbox;
	}

	protected async rawCreate(params: RawCreateParams): Promise<{ sandboxId: string; expiresAt: Date | null }> {
		const app = await this.client.apps.fromName(this.config.appName, {
			createIfMissing: true,
			environment: this.config.environment,
		});
		const image = params.snapshotId
			? await this.client.images.fromId(params.snapshotId)
			: this.config.imageId
				? await this.client.images.fromId(this.config.imageId)
				: this.client.images.fromRegistry(this.config.imageTag as string);
		const sandbox = await this.client.sandboxes.create(app, image, {
			name: params.name,
			command: ["sleep", "infinity"],
			env: params.env,
			timeoutMs: params.lifetimeSeconds * 1000,
			cpu: params.resources?.cpuShares ? params.resources.cpuShares / 1024 : (this.config.cpu ?? 2),
			memoryMiB: params.resources?.memoryMb ?? this.config.memoryMiB ?? 4096,
			encryptedPorts: params.ports,
			tags: params.metadata,
		});
		this.sandboxes.set(params.name, sandbox);
		return { sandboxId: params.name, expiresAt: new Date(Date.now() + params.lifetimeSeconds * 1000) };
	}

	protected async rawRun(
		sandboxId: string,
		script: string,
		options: { timeoutMs: number; stdin?: Uint8Array },
	): Promise<RawRunResult> {
		const sandbox = await this.sandbox(sandboxId);
		// Modal takes whole seconds: its deadline (rounded up) kills the command remotely; ours reports
		// the timeout at the exact time asked.
		const process = await sandbox.exec(["bash", "-lc", script], {
			timeoutMs: Math.max(1000, Math.ceil(options.timeoutMs / 1000) * 1000),
			stdout: "pipe",
			stderr: "pipe",
		});
		if (options.stdin) await process.stdin.writeText(Buffer.from(options.stdin).toString("utf8"));
		await process.stdin.close();
		const finished = Promise.all([
			process.stdout.readText().catch(() => ""),
			process.stderr.readText().catch(() => ""),
			process.wait().then(
				(code) => ({ code, timedOut: false }),
				(error: unknown) => {
					if (error instanceof Error && /deadline exceeded/i.test(error.message)) {
						return { code: -1, timedOut: true };
					}
					throw error;
				},
			),
		]);
		let timer: NodeJS.Timeout | undefined;
		const deadline = new Promise<"timeout">((resolve) => {
			timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
		});
		try {
			const outcome = await Promise.race([finished, deadline]);
			if (outcome === "timeout") {
				finished.catch(() => {});
				return { exitCode: -1, stdout: "", stderr: "", timedOut: true };
			}
			const [stdout, stderr, exit] = outcome;
			return { exitCode: exit.code, stdout, stderr, timedOut: exit.timedOut };
		} finally {
			clearTimeout(timer);
		}
	}

	protected async rawRead(sandboxId: string, path: string): Promise<Uint8Array> {
		const result = await this.rawRun(
			sandboxId,
			`if [ ! -f ${shellQuote(path)} ]; then echo "no such file: ${path}" >&2; exit 44; fi; base64 -w0 < ${shellQuote(path)}`,
			{ timeoutMs: 120_000 },
		);
		if (result.exitCode === 44) {
			throw new DomainError("not_found", "SANDBOX_FILE_NOT_FOUND", `file not found: ${path}`, { sandboxId });
		}
		if (result.exitCode !== 0) {
			throw new SandboxProviderError("modal", "readFile", result.stderr.trim() || `exit ${result.exitCode}`);
		}
		return new Uint8Array(Buffer.from(result.stdout.trim(), "base64"));
	}

	protected async rawWrite(sandboxId: string, path: string, content: Uint8Array): Promise<void> {
		const directory = path.slice(0, path.lastIndexOf("/")) || "/";
		const result = await this.rawRun(
			sandboxId,
			`mkdir -p ${shellQuote(directory)} && base64 -d > ${shellQuote(path)}`,
			{ timeoutMs: 120_000, stdin: Buffer.from(Buffer.from(content).toString("base64")) },
		);
		if (result.exitCode !== 0) {
			throw new SandboxProviderError("modal", "writeFile", result.stderr.trim() || `exit ${result.exitCode}`);
		}
	}

	protected async rawSnapshot(sandboxId: string): Promise<{ snapshotId: string; sizeBytes: number | null }> {
		const sandbox = await this.sandbox(sandboxId);
		const image = await sandbox.snapshotFilesystem();
		return { snapshotId: image.imageId, sizeBytes: null };
	}

	protected async rawPause(sandboxId: string): Promise<void> {
		await this.rawTerminate(sandboxId);
	}

	protected async rawResume(): Promise<boolean> {
		return false;
	}

	protected async rawTerminate(sandboxId: string): Promise<void> {
		const sandbox = await this.sandbox(sandboxId);
		this.sandboxes.delete(sandboxId);
		await sandbox.terminate();
	}

	protected async rawStatus(sandboxId: string): Promise<RawStatus | null> {
		let sandbox: ModalSandboxLike;
		try {
			sandbox = await this.sandbox(sandboxId);
		} catch (error) {
			if ((error as Error)?.name === "NotFoundError" || grpcCode(error) === GRPC_NOT_FOUND) return null;
			throw error;
		}
		const exitCode = await sandbox.poll();
		if (exitCode === null) return { state: "running", expiresAt: null };
		this.sandboxes.delete(sandboxId);
		return { state: "failed", expiresAt: null, reason: `the sandbox exited with code ${exitCode}` };
	}

	protected async rawPortUrl(sandboxId: string, port: number): Promise<string> {
		const sandbox = await this.sandbox(sandboxId);
		const tunnels = await sandbox.tunnels(30_000);
		const tunnel = tunnels[port];
		if (!tunnel) {
			throw new DomainError(
				"not_found",
				"SANDBOX_PORT_NOT_EXPOSED",
				`port ${port} has no Modal tunnel; Modal opens tunnels only for ports declared when the sandbox is created`,
				{ sandboxId, port },
			);
		}
		return tunnel.url;
	}

	protected async rawHealth(): Promise<ProviderHealth> {
		await this.client.apps.fromName(this.config.appName, {
			createIfMissing: true,
			environment: this.config.environment,
		});
		return { healthy: true };
	}

	protected mapError(error: unknown, sandboxId: string | null): DomainError | null {
		const name = (error as Error)?.name;
		const message = error instanceof Error ? error.message : String(error);
		const code = grpcCode(error);
		if (name === "NotFoundError" || code === GRPC_NOT_FOUND) {
			// Without a sandbox in hand, the missing thing is the app, image or snapshot.
			return sandboxId
				? new SandboxNotFoundError(sandboxId)
				: new DomainError("not_found", "SANDBOX_PROVIDER_NOT_FOUND", message, { provider: "modal" });
		}
		if (code === GRPC_UNAUTHENTICATED || code === GRPC_PERMISSION_DENIED) {
			return new SandboxProviderError("modal", "authenticate", `Modal rejected the token: ${message}`);
		}
		if (name === "ResourceExhaustedError" || code === GRPC_RESOURCE_EXHAUSTED) {
			return new DomainError("rate_limited", "SANDBOX_PROVIDER_RATE_LIMITED", message, { provider: "modal" });
		}
		if (name === "InvalidError") return new DomainError("invalid_input", "SANDBOX_PROVIDER_INVALID", message);
		if (name === "SandboxTimeoutError") {
			return new SandboxProviderError("modal", "tunnels", "tunnels were not ready in time", { sandboxId });
		}
		return null;
	}

	protected isTransient(error: unknown): boolean {
		const code = grpcCode(error);
		return (
			code === GRPC_UNAVAILABLE ||
			code === GRPC_INTERNAL ||
			code === GRPC_RESOURCE_EXHAUSTED ||
			(error as Error)?.name === "ResourceExhaustedError"
		);
	}
}
