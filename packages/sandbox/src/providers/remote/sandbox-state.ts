import type { CreateSandboxOptions } from "@proliferate/shared";
import { envExports } from "./shell";

export const REMOTE_HOME = "/home/user";
export const REMOTE_WORKSPACE = "/home/user/workspace";
export const STATE_FILE = "/home/user/.proliferate/sandbox.json";
/**
 * The sandbox-wide environment (egress URLs, the caller's env), sourced by every command and
 * process: a claimed warm sandbox gets its environment after creation, and a restored snapshot's
 * copy is rewritten with the new sandbox's values.
 */
const ENV_FILE = "/home/user/.proliferate/env.sh";
export const SOURCE_ENV = `[ -r ${ENV_FILE} ] && . ${ENV_FILE}`;

/** What a remote sandbox remembers about itself (kept in the sandbox, so snapshots carry it). */
export interface RemoteSandboxState {
	processes: NonNullable<CreateSandboxOptions["processes"]>;
	egress: Record<string, string>;
	sessionId: string | null;
	organizationId: string | null;
}

/** The script that rewrites the environment file (mode 600: it may hold secrets). */
export function writeEnvironmentScript(env: Record<string, string>): string {
	const content = Buffer.from(`${envExports(env)}\n`).toString("base64");
	return `umask 077 && printf %s ${content} | base64 -d > ${ENV_FILE}`;
}

export function egressUrls(targets: CreateSandboxOptions["egress"]): Record<string, string> {
	return Object.fromEntries((targets ?? []).map((target) => [target.name, target.url]));
}

/** PROLIFERATE_EGRESS_<NAME>_URL for each target: remote sandboxes reach platform services directly. */
export function egressEnvironment(egress: Record<string, string>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(egress).map(([name, url]) => [
			`PROLIFERATE_EGRESS_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`,
			url,
		]),
	);
}
