import { proxyErrors } from "./vendor-errors";

/** Parses a JSON object body (no schema: the proxy reads a few fields and forwards the rest untouched). */
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
