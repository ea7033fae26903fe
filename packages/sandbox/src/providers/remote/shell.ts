import { constants } from "node:os";
import { posix } from "node:path";
import { DomainError } from "@proliferate/shared";

/** Single-quote a value for POSIX shells. */
export function shellQuote(value: string): string {
	if (value === "") return "''";
	if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
	return `'${value.replaceAll("'", `'"'"'`)}'`;
}

export function commandToShell(command: string[] | string): string {
	return typeof command === "string" ? command : command.map(shellQuote).join(" ");
}

export function envExports(env: Record<string, string> | undefined): string {
	const lines: string[] = [];
	for (const [key, value] of Object.entries(env ?? {})) {
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
			throw new DomainError(
				"invalid_input",
				"SANDBOX_ENV_INVALID",
				`invalid environment variable name: ${key}`,
			);
		}
		lines.push(`export ${key}=${shellQuote(value)}`);
	}
	return lines.join("\n");
}

/** bash reports a command killed by signal N as exit status 128+N. */
export function signalFromExitCode(exitCode: number): string | null {
	if (exitCode <= 128 || exitCode > 128 + 64) return null;
	const number = exitCode - 128;
	for (const [name, value] of Object.entries(constants.signals)) if (value === number) return name;
	return null;
}

/**
 * Resolve a sandbox path: relative paths are relative to the workspace; the result must stay inside
 * the sandbox home. Returns null for paths that escape it.
 */
export function resolveInsideHome(homeDir: string, workspaceDir: string, path: string): string | null {
	const resolved = posix.normalize(posix.isAbsolute(path) ? path : posix.join(workspaceDir, path));
	if (resolved !== homeDir && !resolved.startsWith(`${homeDir}/`)) return null;
	return resolved;
}

export function tail(text: string, max = 2000): string {
	return text.length > max ? text.slice(-max) : text;
}

/** Remove credentials from a URL or message before it is logged or stored. */
export function redactSecrets(text: string, secrets: (string | undefined)[] = []): string {
	let out = text.replace(/(https?:\/\/)[^/@\s]+@/g, "$1***@");
	for (const secret of secrets) if (secret && secret.length >= 4) out = out.replaceAll(secret, "***");
	return out;
}
