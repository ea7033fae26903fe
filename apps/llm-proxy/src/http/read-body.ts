import type { IncomingMessage } from "node:http";
import { proxyErrors } from "./vendor-errors";

/** Past this many bytes an oversized body is no longer drained: the connection is cut instead. */
const drainLimitBytes = 64 * 1024 * 1024;

/**
 * Reads the whole request body, refusing beyond `limit` bytes. An oversized body is read to its
 * end and dropped (up to `drainLimitBytes`, nothing is kept) so the client reads the 413 instead of
 * a reset connection: leaving a `for await` loop early destroys the socket under a client still sending.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
	const declared = Number(request.headers["content-length"]);
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = declared > limit;
		const refuse = () => reject(proxyErrors.bodyTooLarge(limit));
		if (tooLarge && declared > drainLimitBytes) {
			request.pause();
			return refuse();
		}
		request.on("data", (chunk: Buffer) => {
			size += chunk.length;
			if (!tooLarge && size > limit) {
				tooLarge = true;
				chunks.length = 0;
			}
			if (!tooLarge) chunks.push(chunk);
			else if (size > drainLimitBytes) {
				request.pause();
				refuse();
			}
		});
		request.once("end", () => {
			if (tooLarge) return refuse();
			resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
		});
		request.once("error", reject);
	});
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
