import type { IncomingMessage } from "node:http";
import { DomainError } from "@proliferate/shared/errors";

export class BodyTooLargeError extends DomainError {
	constructor(limitBytes: number) {
		super("invalid_input", "BODY_TOO_LARGE", `Request bodies are limited to ${limitBytes} bytes`);
	}
}

export interface ReadBodyOptions {
	/**
	 * Past this many bytes an oversized body is no longer drained: reading stops and the caller's
	 * answer is likely to meet a reset connection (default 16 MiB). A body announced (content-length)
	 * over both limits is refused without reading it.
	 */
	drainLimitBytes?: number;
	/** The error an oversized body is refused with (default `BodyTooLargeError`, 400). */
	tooLarge?: (limitBytes: number) => Error;
}

const defaultDrainLimitBytes = 16 * 1024 * 1024;
const defaultTooLarge = (limitBytes: number) => new BodyTooLargeError(limitBytes);

/**
 * The whole request body, refused beyond `limitBytes`. An oversized body is read to its end and
 * dropped (up to the drain limit; nothing is kept), so the client reads the refusal instead of a
 * reset connection: leaving a `for await` loop early destroys the socket under a client still sending.
 * One chunk is returned as is (no copy); options are meant to be one object per call site.
 */
export function readBody(
	request: IncomingMessage,
	limitBytes: number,
	options: ReadBodyOptions = {},
): Promise<Buffer> {
	const drainLimitBytes = options.drainLimitBytes ?? defaultDrainLimitBytes;
	const declared = Number(request.headers["content-length"]);
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = declared > limitBytes;
		const refuse = () => reject((options.tooLarge ?? defaultTooLarge)(limitBytes));
		if (tooLarge && declared > drainLimitBytes) {
			request.pause();
			return refuse();
		}
		request.on("data", (chunk: Buffer) => {
			size += chunk.length;
			if (!tooLarge && size > limitBytes) {
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
