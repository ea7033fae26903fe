import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@proliferate/logger";
import { DomainError, HTTP_STATUS_BY_KIND } from "@proliferate/shared";
import { z } from "zod";

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends DomainError {
	constructor() {
		super("invalid_input", "BODY_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
	}
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
	if (response.headersSent) return;
	response.writeHead(status, { "content-type": "application/json" });
	response.end(JSON.stringify(body));
}

/** The one mapping from thrown errors to HTTP responses. */
export function sendError(response: ServerResponse, error: unknown, logger: Logger): void {
	if (error instanceof DomainError) {
		sendJson(response, HTTP_STATUS_BY_KIND[error.kind], { error: error.toJSON() });
		return;
	}
	logger.error({ err: error }, "unhandled gateway error");
	sendJson(response, 500, { error: { code: "INTERNAL", kind: "internal", message: "Internal error" } });
}

export async function readJson<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
): Promise<z.infer<Schema>> {
	let size = 0;
	const chunks: Buffer[] = [];
	for await (const chunk of request) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
		chunks.push(chunk as Buffer);
	}
	let parsed: unknown = {};
	if (size > 0) {
		try {
			parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
		} catch {
			throw new DomainError("invalid_input", "INVALID_JSON", "The request body is not valid JSON");
		}
	}
	const result = schema.safeParse(parsed);
	if (!result.success) {
		throw new DomainError(
			"invalid_input",
			"INVALID_INPUT",
			z.prettifyError(result.error).replace(/\n/g, "; "),
		);
	}
	return result.data;
}
