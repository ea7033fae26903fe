import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Answers `body` as JSON with its length (nothing, once headers went out: the answer has begun). */
export function sendJson(
	response: ServerResponse,
	status: number,
	body: unknown,
	headers?: OutgoingHttpHeaders,
): void {
	if (response.headersSent) return;
	const text = JSON.stringify(body);
	response.writeHead(status, {
		...headers,
		"content-type": "application/json",
		"content-length": Buffer.byteLength(text),
	});
	response.end(text);
}
