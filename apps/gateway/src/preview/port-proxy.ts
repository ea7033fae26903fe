import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { DomainError } from "@proliferate/shared";

const hopByHop = new Set([
	"connection",
	"keep-alive",
	"proxy-authenticate",
	"proxy-authorization",
	"te",
	"trailer",
	"transfer-encoding",
	"upgrade",
	"authorization",
	"cookie",
]);

function forwardHeaders(
	request: IncomingMessage,
	target: URL,
	extra: Record<string, string>,
): Record<string, string | string[]> {
	const headers: Record<string, string | string[]> = {};
	for (const [name, value] of Object.entries(request.headers)) {
		if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
	}
	headers.host = target.host;
	return { ...headers, ...extra };
}

/**
 * Forwards an HTTP request to `targetBase` + `path` (a sandbox port's host relay) and streams the answer
 * back. The caller's credentials are never forwarded; `extraHeaders` (sandbox-mcp's token) are added.
 */
export function proxyHttp(
	request: IncomingMessage,
	response: ServerResponse,
	targetBase: string,
	path: string,
	extraHeaders: Record<string, string> = {},
): Promise<void> {
	const target = new URL(path, targetBase);
	return new Promise((resolve) => {
		const upstream = httpRequest(
			target,
			{ method: request.method, headers: forwardHeaders(request, target, extraHeaders) },
			(upstreamResponse) => {
				const headers = { ...upstreamResponse.headers };
				delete headers["x-frame-options"];
				delete headers["content-security-policy"];
				response.writeHead(upstreamResponse.statusCode ?? 502, headers);
				upstreamResponse.pipe(response);
				upstreamResponse.on("end", resolve);
			},
		);
		upstream.on("error", (error) => {
			if (!response.headersSent) {
				const failure = new DomainError(
					"unavailable",
					"PORT_UNREACHABLE",
					`Nothing answered on that port in the sandbox (${error.message})`,
				);
				response.writeHead(502, { "content-type": "application/json" });
				response.end(JSON.stringify({ error: failure.toJSON() }));
			} else response.destroy();
			resolve();
		});
		// A caller that goes away (a closed log follow, a left page) ends the upstream request too.
		response.once("close", () => upstream.destroy());
		request.pipe(upstream);
	});
}
