import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError, HTTP_STATUS_BY_KIND } from "@proliferate/shared/errors";
import type { z } from "zod";
import { InvalidRequestError, parseInput } from "./errors";

export const maxBodyBytes = 256 * 1024;

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
	if (response.headersSent) return;
	response.writeHead(status, { "content-type": "application/json" });
	response.end(JSON.stringify(body));
}

export interface ErrorReporter {
	error(fields: Record<string, unknown>, message: string): void;
}

/** The one mapping from thrown errors to HTTP answers: typed errors keep their kind, others are 500. */
export function sendError(response: ServerResponse, error: unknown, logger: ErrorReporter): void {
	if (error instanceof DomainError) {
		sendJson(response, HTTP_STATUS_BY_KIND[error.kind], { error: error.toJSON() });
		return;
	}
	logger.error({ err: error }, "unhandled sandbox-mcp error");
	sendJson(response, 500, { error: { code: "INTERNAL", kind: "internal", message: "Internal error" } });
}

/** Past this many bytes an oversized body is no longer drained: the connection is cut instead. */
const drainLimitBytes = 16 * 1024 * 1024;

/**
 * The request body, or null when it is over `limit`. An oversized body is read to its end and
 * dropped (up to `drainLimitBytes`), so the client gets the 400 instead of a reset connection:
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

export async function readBody<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
): Promise<z.infer<Schema>> {
	const body = await readLimited(request, maxBodyBytes);
	if (body === null)
		throw new DomainError("invalid_input", "BODY_TOO_LARGE", `Bodies are limited to ${maxBodyBytes} bytes`);
	let parsed: unknown = {};
	if (body.length > 0) {
		try {
			parsed = JSON.parse(body.toString("utf8"));
		} catch {
			throw new InvalidRequestError("The request body is not valid JSON");
		}
	}
	return parseInput(schema, parsed);
}

export function queryObject(url: URL): Record<string, string> {
	return Object.fromEntries(url.searchParams.entries());
}
