import { DomainError } from "@proliferate/shared/errors";

export class UnauthorizedError extends DomainError {
	constructor() {
		super("unauthenticated", "SANDBOX_MCP_UNAUTHORIZED", "Missing or wrong sandbox-mcp token");
	}
}

export class InvalidRequestError extends DomainError {
	constructor(message: string) {
		super("invalid_input", "INVALID_INPUT", message);
	}
}

export class PathOutsideWorkspaceError extends DomainError {
	constructor(path: string) {
		super("invalid_input", "PATH_OUTSIDE_WORKSPACE", `${path} is outside the workspace`);
	}
}

export class FileNotFoundError extends DomainError {
	constructor(path: string) {
		super("not_found", "FILE_NOT_FOUND", `${path} does not exist`);
	}
}

export class TerminalNotFoundError extends DomainError {
	constructor(id: string) {
		super("not_found", "TERMINAL_NOT_FOUND", `No terminal ${id}`);
	}
}

export class TooManyTerminalsError extends DomainError {
	constructor(limit: number) {
		super("conflict", "TOO_MANY_TERMINALS", `At most ${limit} terminals may be open; close one first`);
	}
}

export class ServiceNotFoundError extends DomainError {
	constructor(name: string) {
		super("not_found", "SERVICE_NOT_FOUND", `No service named ${name} (start it with a command first)`);
	}
}

export interface ProcessOutcome {
	exitCode: number | null;
	signal: string | null;
	outputTail: string;
}

/** A service that is not running when it must be (expose), with how it ended. */
export class ServiceNotRunningError extends DomainError {
	constructor(name: string, status: string, outcome?: ProcessOutcome) {
		super(
			"precondition_failed",
			"SERVICE_NOT_RUNNING",
			outcome
				? `Service ${name} is ${status} (exit code ${outcome.exitCode ?? "none"}, signal ${outcome.signal ?? "none"})`
				: `Service ${name} is ${status}`,
			{ status, ...(outcome ?? {}) },
		);
	}
}

export class ServiceHasNoPortError extends DomainError {
	constructor(name: string) {
		super("invalid_input", "SERVICE_HAS_NO_PORT", `Service ${name} declares no port to expose`);
	}
}

export class PortNotListeningError extends DomainError {
	constructor(name: string, port: number, outputTail: string) {
		super(
			"timeout",
			"PORT_NOT_LISTENING",
			`Service ${name} is running but nothing listens on port ${port} yet`,
			{ port, outputTail },
		);
	}
}

/** A helper command (git) that failed: exit code, signal and the end of its output. */
export class CommandFailedError extends DomainError {
	constructor(command: string, outcome: ProcessOutcome) {
		super(
			"unavailable",
			"COMMAND_FAILED",
			`${command} failed (exit code ${outcome.exitCode ?? "none"}, signal ${outcome.signal ?? "none"}): ${outcome.outputTail.slice(-500)}`,
			{ ...outcome },
		);
	}
}

/** Input checked against a schema (an `INVALID_INPUT` error naming every issue), as every HTTP server here does. */
export { parseInput } from "@proliferate/http-kit";
