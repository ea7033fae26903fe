import { InvalidSecretKeyError } from "./errors";

export const SECRET_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_KEY_MAX_LENGTH = 200;
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;
export const SECRET_DESCRIPTION_MAX_LENGTH = 500;

/**
 * Names the platform sets itself in sandboxes (and the variables a process needs to run at all):
 * a secret cannot take them, so no organization can replace the sandbox's own configuration.
 */
const reservedNames = new Set([
	"PATH",
	"HOME",
	"USER",
	"SHELL",
	"PWD",
	"TERM",
	"LANG",
	"TMPDIR",
	"HOSTNAME",
	"LD_PRELOAD",
	"LD_LIBRARY_PATH",
	"NODE_OPTIONS",
	"XDG_CONFIG_HOME",
	"XDG_DATA_HOME",
	"XDG_CACHE_HOME",
	"XDG_STATE_HOME",
	"HTTP_PROXY",
	"HTTPS_PROXY",
	"NO_PROXY",
	"ALL_PROXY",
	"GIT_ASKPASS",
	"GIT_CONFIG_GLOBAL",
]);
const reservedPrefixes = ["PROLIFERATE_", "OPENCODE_", "SANDBOX_MCP_"];

export function isReservedSecretKey(key: string): boolean {
	const upper = key.toUpperCase();
	return reservedNames.has(upper) || reservedPrefixes.some((prefix) => upper.startsWith(prefix));
}

/** Throws INVALID_SECRET_KEY unless `key` is an environment variable name a secret may take. */
export function assertSecretKey(key: string): void {
	if (key.length === 0 || key.length > SECRET_KEY_MAX_LENGTH)
		throw new InvalidSecretKeyError(key, `must be 1 to ${SECRET_KEY_MAX_LENGTH} characters`);
	if (!SECRET_KEY_PATTERN.test(key))
		throw new InvalidSecretKeyError(
			key,
			"is not an environment variable name (letters, digits, _; not starting with a digit)",
		);
	if (isReservedSecretKey(key))
		throw new InvalidSecretKeyError(key, "is reserved by the platform (sandbox configuration)");
}
