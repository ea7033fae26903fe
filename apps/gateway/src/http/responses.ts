import type { IncomingMessage, ServerResponse } from "node:http";
import { readJson as readJsonBody, sendError as sendHttpError } from "@proliferate/http-kit";
import type { Logger } from "@proliferate/logger";
import type { z } from "zod";

export { sendJson } from "@proliferate/http-kit";

export const MAX_BODY_BYTES = 1024 * 1024;
const bodyOptions = { limitBytes: MAX_BODY_BYTES };

/** The one mapping from thrown errors to HTTP responses. */
export function sendError(response: ServerResponse, error: unknown, logger: Logger): void {
	sendHttpError(response, error, { logger, logMessage: "unhandled gateway error" });
}

/** The JSON body checked against `schema`; a body over `MAX_BODY_BYTES` is drained, then refused (400). */
export function readJson<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
): Promise<z.infer<Schema>> {
	return readJsonBody(request, schema, bodyOptions);
}
