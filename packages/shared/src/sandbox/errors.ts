import { DomainError } from "../errors";

/** A provider operation failed (API error, sandbox gone, boot failure). */
export class SandboxProviderError extends DomainError {
	readonly provider: string;
	readonly operation: string;

	constructor(provider: string, operation: string, message: string, details?: Record<string, unknown>) {
		super("unavailable", "SANDBOX_PROVIDER_ERROR", `${provider} ${operation} failed: ${message}`, {
			provider,
			operation,
			...details,
		});
		this.provider = provider;
		this.operation = operation;
	}
}

export class SandboxNotFoundError extends DomainError {
	constructor(sandboxId: string) {
		super("not_found", "SANDBOX_NOT_FOUND", `sandbox ${sandboxId} was not found`, { sandboxId });
	}
}

/** A command in a sandbox exited non-zero, was killed by a signal, or timed out. */
export class SandboxCommandError extends DomainError {
	readonly exitCode: number | null;
	readonly signal: string | null;
	readonly timedOut: boolean;
	readonly outputTail: string;

	constructor(params: {
		command: string;
		exitCode: number | null;
		signal: string | null;
		timedOut: boolean;
		outputTail: string;
	}) {
		const how = params.timedOut
			? "timed out"
			: params.signal
				? `was killed by ${params.signal}`
				: `exited with code ${params.exitCode}`;
		super(
			params.timedOut ? "timeout" : "precondition_failed",
			params.timedOut ? "SANDBOX_COMMAND_TIMEOUT" : "SANDBOX_COMMAND_FAILED",
			`command \`${params.command.slice(0, 200)}\` ${how}${params.outputTail ? `: ${params.outputTail.slice(-500)}` : ""}`,
			{ exitCode: params.exitCode, signal: params.signal, timedOut: params.timedOut },
		);
		this.exitCode = params.exitCode;
		this.signal = params.signal;
		this.timedOut = params.timedOut;
		this.outputTail = params.outputTail;
	}
}

/** The sandbox died or was stopped for exceeding a resource limit. */
export class SandboxTerminatedError extends DomainError {
	constructor(sandboxId: string, reason: string) {
		super("unavailable", "SANDBOX_TERMINATED", `sandbox ${sandboxId} stopped: ${reason}`, {
			sandboxId,
			reason,
		});
	}
}

/** The sandbox belongs to a session already (a warm-pool sandbox is claimed once). */
export class SandboxAlreadyClaimedError extends DomainError {
	constructor(sandboxId: string) {
		super("conflict", "SANDBOX_ALREADY_CLAIMED", `sandbox ${sandboxId} already belongs to a session`, {
			sandboxId,
		});
	}
}
