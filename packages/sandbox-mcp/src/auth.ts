import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Whether the request carries the sandbox's token (`Authorization: Bearer <token>`), compared in constant time. */
export function hasValidToken(request: IncomingMessage, token: string): boolean {
	const header = request.headers.authorization;
	if (!header?.startsWith("Bearer ")) return false;
	const given = Buffer.from(header.slice(7).trim());
	const expected = Buffer.from(token);
	return given.length === expected.length && timingSafeEqual(given, expected);
}
