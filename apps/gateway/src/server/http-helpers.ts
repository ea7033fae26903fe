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

/** Past this many bytes an oversized body is no longer drained: the connection is cut instead. */
const drainLimitBytes = 16 * 1024 * 1024;

/**
 * The request body, or null when it is over `limit`. An oversized body is read to its end and
 * dropped (up to `drainLimitBytes`), so the client reads the 400 instead of a reset connection:
 * leaving a `for await` loop early would destroy the socket under a client still sending.
 */
function readLimited(request: IncomingMessage, limit: number): Promise<Buffer | null> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on("data", (chunk: Buffer) => {
			size += chunk.length;
			if (size <= limit) chunks.push(chunk);
			else chunks.length = 0;
			if (size > drainLimitBytes) {
				request.pause();
				resolve(null);
			}
		});
		request.on("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
		request.on("error", reject);
	});
}

export async function readJson<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
): Promise<z.infer<Schema>> {
	const body = await readLimited(request, MAX_BODY_BYTES);
	if (body === null) throw new BodyTooLargeError();
	let parsed: unknown = {};
	if (body.length > 0) {
		try {
			parsed = JSON.parse(body.toString("utf8"));
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
