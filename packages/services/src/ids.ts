import { randomBytes } from "node:crypto";

/** Text ids (users, organizations, members) in the style better-auth uses: 32 url-safe characters. */
export function generateTextId(): string {
	return randomBytes(24).toString("base64url");
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` can be used against a uuid column (anything else is simply not found). */
export function isUuid(value: string): boolean {
	return uuidPattern.test(value);
}

export function slugify(value: string): string {
	const slug = value
		.toLowerCase()
		.normalize("NFKD")
		.replace(/[^\w\s-]/g, "")
		.trim()
		.replace(/[\s_-]+/g, "-")
		.replace(/^-+|-+$/g, "");
	return slug.slice(0, 48) || "org";
}
