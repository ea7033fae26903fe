import type { ServerResponse } from "node:http";
import { DomainError, HTTP_STATUS_BY_KIND } from "@proliferate/shared/errors";
import { sendJson } from "./response";

/** What `sendError` needs of a logger (a pino logger is one). */
export interface ErrorLogger {
	error(fields: Record<string, unknown>, message: string): void;
}

export interface SendErrorOptions {
	/** Unexpected errors are logged here (with the error) before the generic 500 goes out. */
	logger: ErrorLogger;
	/** The log line for an unexpected error. */
	logMessage?: string;
	/** The status of a domain error; its kind's (`HTTP_STATUS_BY_KIND`) by default. */
	statusOf?: (error: DomainError) => number;
}

/** The body of every 500: internals (messages, stacks, driver text) go to the log only. */
export const internalErrorBody = {
	error: { code: "INTERNAL", kind: "internal", message: "Internal error" },
} as const;

export function statusOfKind(error: DomainError): number {
	return HTTP_STATUS_BY_KIND[error.kind];
}

/**
 * The one mapping from a thrown value to an HTTP answer: a domain error is answered with its status
 * and `{error: {code, kind, message, details?}}`; anything else is logged and answered as a generic 500.
 */
export function sendError(response: ServerResponse, error: unknown, options: SendErrorOptions): void {
	if (error instanceof DomainError) {
		sendJson(response, (options.statusOf ?? statusOfKind)(error), { error: error.toJSON() });
		return;
	}
	options.logger.error({ err: error }, options.logMessage ?? "unhandled request error");
	sendJson(response, 500, internalErrorBody);
}
