import { posix } from "node:path";
import { repoConfig, repos, secrets, sessions } from "@proliferate/services";
import type { SandboxProvider } from "@proliferate/shared";
import type { SessionContext } from "./session-context";

// The session's secrets in the sandbox (docs/specs/secrets-environment.md §6): resolved once per
// boot into the sandbox's environment, and rendered into the repository's env files, which are
// excluded from git and removed before every snapshot so no snapshot holds a value.

const workspaceDir = "/home/user/workspace";
const excludePath = `${workspaceDir}/.git/info/exclude`;

/** The environment a session's sandbox gets from the organization's secrets (empty without a keyring). */
export async function resolveSessionEnvironment(
	context: SessionContext,
	repoId: string | null,
): Promise<Record<string, string>> {
	const keyring = context.deps.secretKeyring;
	if (!keyring) return {};
	const resolved = await secrets.resolveSessionSecrets(
		context.deps.services,
		{ organizationId: context.organizationId, repoId },
		keyring,
	);
	return secrets.toEnvironment(resolved);
}

/** An env-file path inside the workspace, or null for one that would leave it (absolute, `..`). */
export function workspaceEnvPath(path: string): string | null {
	const normalized = posix.normalize(path.replace(/^\.\//, ""));
	if (posix.isAbsolute(normalized) || normalized.startsWith("..") || normalized === ".") return null;
	return `${workspaceDir}/${normalized}`;
}

/**
 * Quotes a value so dotenv (and most readers) gives it back as is: single quotes (nothing is
 * interpreted), else double quotes (multi-line values), else backticks.
 */
export function quoteEnvValue(value: string): string {
	if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
	if (!value.includes('"') && !value.includes("\\")) return `"${value}"`;
	if (!value.includes("`")) return `\`${value}\``;
	return `"${value.replace(/"/g, "'")}"`;
}

/** A dotenv file of the spec's keys (quoted so dotenv reads each value back as is); the keys it lacks. */
export function renderEnvFile(
	spec: repoConfig.EnvFileSpec,
	environment: Record<string, string>,
): { content: string; missing: string[] } {
	const lines: string[] = [];
	const missing: string[] = [];
	for (const { key, required } of spec.keys) {
		const value = environment[key];
		if (value === undefined) {
			if (required) missing.push(key);
			continue;
		}
		lines.push(`${key}=${quoteEnvValue(value)}`);
	}
	return { content: lines.length ? `${lines.join("\n")}\n` : "", missing };
}

async function envFileSpecs(
	context: SessionContext,
	repoId: string | null,
): Promise<repoConfig.EnvFileSpec[]> {
	if (!repoId) return [];
	await repos.getRepo(context.deps.services, { organizationId: context.organizationId, repoId });
	return (
		await repoConfig.getRepoConfig(context.deps.services, { organizationId: context.organizationId, repoId })
	).envFiles;
}

/**
 * Writes the repository's env files (mode 600) from the resolved secrets, adds their paths to
 * `.git/info/exclude`, and tells the session which required keys no secret provides.
 */
export async function renderEnvFiles(
	context: SessionContext,
	input: {
		provider: SandboxProvider;
		sandboxId: string;
		repoId: string | null;
		environment: Record<string, string>;
	},
): Promise<{ written: string[]; missing: string[] }> {
	const specs = await envFileSpecs(context, input.repoId);
	const written: string[] = [];
	const missing: string[] = [];
	for (const spec of specs) {
		const target = workspaceEnvPath(spec.path);
		if (!target) continue;
		const rendered = renderEnvFile(spec, input.environment);
		missing.push(...rendered.missing.filter((key) => !missing.includes(key)));
		await input.provider.writeFile(input.sandboxId, target, rendered.content, { mode: 0o600 });
		written.push(target.slice(workspaceDir.length + 1));
	}
	if (written.length > 0) await excludeFromGit(input.provider, input.sandboxId, written);
	if (missing.length > 0) {
		await context.publish({
			type: "error",
			code: "ENV_KEYS_MISSING",
			message: `No secret provides ${missing.join(", ")} (needed by ${specs.map((spec) => spec.path).join(", ")}). Add them under Settings → Secrets, or give them when the agent asks.`,
		});
	}
	return { written, missing };
}

async function excludeFromGit(provider: SandboxProvider, sandboxId: string, paths: string[]): Promise<void> {
	let current = "";
	try {
		current = Buffer.from(await provider.readFile(sandboxId, excludePath)).toString();
	} catch {
		current = "";
	}
	const lines = current.split("\n");
	const additions = paths.map((path) => `/${path}`).filter((line) => !lines.includes(line));
	if (additions.length === 0) return;
	const prefix = current === "" || current.endsWith("\n") ? current : `${current}\n`;
	await provider.writeFile(sandboxId, excludePath, `${prefix}${additions.join("\n")}\n`);
}

/** Removes the rendered env files (before a snapshot or pause); a missing file is fine. */
export async function scrubEnvFiles(
	context: SessionContext,
	input: { provider: SandboxProvider; sandboxId: string; repoId: string | null },
): Promise<void> {
	const targets = (await envFileSpecs(context, input.repoId)).flatMap((spec) => {
		const target = workspaceEnvPath(spec.path);
		return target ? [target] : [];
	});
	if (targets.length === 0) return;
	await input.provider.exec(input.sandboxId, ["rm", "-f", "--", ...targets], { allowFailure: true });
}

/**
 * Runs a snapshot (or pause) of the live sandbox with its env files removed first, so the
 * snapshot holds no secret; `rerender` writes them back afterwards (the sandbox keeps running).
 */
export async function withoutEnvFiles<Result>(
	context: SessionContext,
	live: { provider: SandboxProvider; sandbox: { sandboxId: string } },
	options: { rerender: boolean },
	run: () => Promise<Result>,
): Promise<Result> {
	const session = await sessions.getSession(context.deps.services, context.scope());
	const target = { provider: live.provider, sandboxId: live.sandbox.sandboxId, repoId: session.repoId };
	await scrubEnvFiles(context, target);
	const result = await run();
	if (options.rerender)
		await renderEnvFiles(context, {
			...target,
			environment: await resolveSessionEnvironment(context, session.repoId),
		});
	return result;
}
