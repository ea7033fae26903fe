import { extname } from "node:path";
import { assertObjectKey, sessionObjectPrefix } from "@proliferate/storage";

/** Longest file-name segment of an artifact's key (the display name in the row is not cut). */
const MAX_SAFE_NAME_LENGTH = 120;

/**
 * A sandbox-given file name as one object-key segment: accents dropped, anything outside
 * `A-Z a-z 0-9 . _ = + @ -` (slashes, NUL, spaces, other scripts) turned into `_`, leading
 * punctuation removed (so never `.` or `..`), at most 120 characters with the extension kept.
 */
export function safeObjectName(name: string): string {
	const ascii = name.normalize("NFKD").replace(/\p{M}+/gu, "");
	let safe = ascii.replace(/[^A-Za-z0-9._=+@-]+/g, "_").replace(/^[^A-Za-z0-9]+/, "");
	if (safe.length > MAX_SAFE_NAME_LENGTH) {
		const extension = extname(safe).slice(0, 16);
		safe = `${safe.slice(0, MAX_SAFE_NAME_LENGTH - extension.length)}${extension}`;
	}
	return safe || "file";
}

/** The prefix every object of one artifact lives under. */
export function artifactKeyPrefix(params: {
	organizationId: string;
	sessionId: string;
	artifactId: string;
}): string {
	return `${sessionObjectPrefix(params)}artifacts/${params.artifactId}/`;
}

/** `orgs/<org>/sessions/<session>/artifacts/<artifact>/<safe name>`, checked against the key rules. */
export function artifactObjectKey(params: {
	organizationId: string;
	sessionId: string;
	artifactId: string;
	name: string;
}): string {
	const key = `${artifactKeyPrefix(params)}${safeObjectName(params.name)}`;
	assertObjectKey(key);
	return key;
}

/**
 * `Content-Disposition` carrying the original name: an ASCII fallback in `filename` (quotes,
 * backslashes, control and non-ASCII characters replaced) and the exact name in RFC 5987 `filename*`.
 */
export function contentDisposition(name: string, type: "inline" | "attachment" = "inline"): string {
	const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_") || "file";
	// Lone surrogates (which encodeURIComponent refuses) become U+FFFD.
	const encoded = encodeURIComponent(name.replace(/\p{Cs}/gu, "\uFFFD")).replace(
		/['()*]/g,
		(character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
	);
	return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
