import type { IncomingMessage } from "node:http";
import { proxyErrors } from "./vendor-errors";

/** Reads the whole request body, refusing (without buffering further) beyond `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
	const declared = Number(request.headers["content-length"]);
	if (declared > limit) throw proxyErrors.bodyTooLarge(limit);
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request) {
		size += (chunk as Buffer).length;
		if (size > limit) throw proxyErrors.bodyTooLarge(limit);
		chunks.push(chunk as Buffer);
	}
	return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
}

/** Parses a JSON object body. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
	let value: unknown;
	try {
		value = JSON.parse(body.toString("utf8"));
	} catch (error) {
		throw proxyErrors.invalidJson((error as Error).message);
	}
	if (!value || typeof value !== "object" || Array.isArray(value))
		throw proxyErrors.invalidBody("The request body must be a JSON object");
	return value as Record<string, unknown>;
}
