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

export async function readBody<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
): Promise<z.infer<Schema>> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request) {
		size += (chunk as Buffer).length;
		if (size > maxBodyBytes)
			throw new DomainError("invalid_input", "BODY_TOO_LARGE", `Bodies are limited to ${maxBodyBytes} bytes`);
		chunks.push(chunk as Buffer);
	}
	let parsed: unknown = {};
	if (size > 0) {
		try {
			parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
		} catch {
			throw new InvalidRequestError("The request body is not valid JSON");
		}
	}
	return parseInput(schema, parsed);
}

export function queryObject(url: URL): Record<string, string> {
	return Object.fromEntries(url.searchParams.entries());
}
