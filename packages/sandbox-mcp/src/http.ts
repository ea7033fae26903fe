import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorLogger, readJson, sendError as sendHttpError } from "@proliferate/http-kit";
import type { z } from "zod";

export { sendJson } from "@proliferate/http-kit";

export const maxBodyBytes = 256 * 1024;
const bodyOptions = { limitBytes: maxBodyBytes };

export type ErrorReporter = ErrorLogger;

/** The one mapping from thrown errors to HTTP answers: typed errors keep their kind, others are 500. */
export function sendError(response: ServerResponse, error: unknown, logger: ErrorReporter): void {
	sendHttpError(response, error, { logger, logMessage: "unhandled sandbox-mcp error" });
}

/** The JSON body checked against `schema` (at most `maxBodyBytes`; a larger one is drained, then refused). */
export function readBody<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
): Promise<z.infer<Schema>> {
	return readJson(request, schema, bodyOptions);
}

export function queryObject(url: URL): Record<string, string> {
	return Object.fromEntries(url.searchParams.entries());
}
