import { parse } from "dotenv";
import { EnvImportInvalidError } from "./errors";
import {
	isReservedSecretKey,
	SECRET_KEY_MAX_LENGTH,
	SECRET_KEY_PATTERN,
	SECRET_VALUE_MAX_BYTES,
} from "./names";

export const ENV_IMPORT_MAX_BYTES = 256 * 1024;
export const ENV_IMPORT_MAX_KEYS = 1000;

export type EnvImportStatus = "new" | "changed" | "unchanged";
export type EnvImportChoice = "overwrite" | "keep";

/**
 * Parses a .env file with dotenv's own parser (quotes, escapes in double quotes, `export`,
 * comments, multi-line quoted values). Refuses oversized files, too many keys, invalid or reserved
 * names and oversized values, naming the offending keys.
 */
export function parseEnvFile(content: string): { key: string; value: string }[] {
	const bytes = Buffer.byteLength(content, "utf8");
	if (bytes > ENV_IMPORT_MAX_BYTES)
		throw new EnvImportInvalidError(
			`The file is ${bytes} bytes; the limit is ${ENV_IMPORT_MAX_BYTES} (256 KiB)`,
			{
				limit: ENV_IMPORT_MAX_BYTES,
			},
		);
	if (content.includes("\u0000"))
		throw new EnvImportInvalidError("The file is not text (it contains NUL bytes)");
	// dotenv ignores lines it cannot read; a line that looks like an assignment with a bad name is reported instead.
	const badNames: string[] = [];
	for (const line of content.split(/\r?\n/)) {
		const match = line.match(/^\s*(?:export\s+)?([^=#\s][^=\s]*)\s*=/);
		if (match?.[1] && !SECRET_KEY_PATTERN.test(match[1])) badNames.push(match[1].slice(0, 100));
	}
	const parsed = parse(content);
	const entries = Object.entries(parsed).map(([key, value]) => ({ key, value }));
	for (const { key } of entries) {
		if (!SECRET_KEY_PATTERN.test(key) || key.length > SECRET_KEY_MAX_LENGTH) badNames.push(key.slice(0, 100));
	}
	if (badNames.length > 0)
		throw new EnvImportInvalidError(
			`Invalid variable name${badNames.length > 1 ? "s" : ""}: ${[...new Set(badNames)].slice(0, 20).join(", ")}`,
			{ invalidKeys: [...new Set(badNames)].slice(0, 100) },
		);
	const reserved = entries.filter((entry) => isReservedSecretKey(entry.key)).map((entry) => entry.key);
	if (reserved.length > 0)
		throw new EnvImportInvalidError(`Reserved by the platform: ${reserved.slice(0, 20).join(", ")}`, {
			reservedKeys: reserved.slice(0, 100),
		});
	if (entries.length > ENV_IMPORT_MAX_KEYS)
		throw new EnvImportInvalidError(
			`The file has ${entries.length} keys; the limit is ${ENV_IMPORT_MAX_KEYS}`,
			{
				limit: ENV_IMPORT_MAX_KEYS,
			},
		);
	if (entries.length === 0) throw new EnvImportInvalidError("The file has no KEY=value lines");
	const oversized = entries.filter(
		(entry) => Buffer.byteLength(entry.value, "utf8") > SECRET_VALUE_MAX_BYTES,
	);
	if (oversized.length > 0)
		throw new EnvImportInvalidError(
			`Values over ${SECRET_VALUE_MAX_BYTES} bytes: ${oversized.map((entry) => entry.key).join(", ")}`,
		);
	return entries;
}

/** Per key: new (no secret of that key in the scope), changed (another value) or unchanged. */
export function classifyImport(
	entries: readonly { key: string; value: string }[],
	current: ReadonlyMap<string, string>,
): { key: string; status: EnvImportStatus }[] {
	return entries.map(({ key, value }) => {
		const existing = current.get(key);
		return { key, status: existing === undefined ? "new" : existing === value ? "unchanged" : "changed" };
	});
}
