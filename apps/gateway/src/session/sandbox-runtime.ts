import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
	AGENT_RUNTIME_HOST_DIR,
	AGENT_RUNTIME_SANDBOX_DIR,
	OPENCODE_SANDBOX_DIR,
	type OpencodeBinary,
	resolveOpencodeBinary,
} from "@proliferate/agent-runtime";
import type { RuntimeMount } from "@proliferate/sandbox";
import {
	ensureSandboxMcpBundle,
	SANDBOX_MCP_HOST_DIR,
	SANDBOX_MCP_SANDBOX_DIR,
} from "@proliferate/sandbox-mcp";
import type { SandboxProvider } from "@proliferate/shared";

/** Where the remote image records the digest of the helpers it carries (packages/modal-sandbox/Dockerfile). */
export const IMAGE_HELPERS_DIGEST_PATH = "/opt/proliferate/helpers.sha256";

export interface SandboxRuntime {
	binary: OpencodeBinary;
	mounts: RuntimeMount[];
	/**
	 * Digest of the platform helpers this gateway runs (the agent tools server and sandbox-mcp), as
	 * the image computes it: sha256 of `sha256sum` lines (`<hex>  <dir>/<path>`) of every file under
	 * agent/ and mcp/, in byte order. A remote image built from other sources differs.
	 */
	helpersDigest: string;
}

/**
 * What every sandbox runs besides the repository: OpenCode, the platform tools MCP server and
 * sandbox-mcp. The local provider mounts these host directories read-only; the remote image
 * (packages/modal-sandbox) installs the same directories at the same paths.
 */
export async function sandboxRuntime(): Promise<SandboxRuntime> {
	const binary = resolveOpencodeBinary();
	// sandbox-mcp's bundle is built by scripts/bootstrap.sh; rebuilt here when stale.
	await ensureSandboxMcpBundle();
	return {
		binary,
		mounts: [
			{ hostPath: binary.directory, sandboxPath: OPENCODE_SANDBOX_DIR },
			{ hostPath: AGENT_RUNTIME_HOST_DIR, sandboxPath: AGENT_RUNTIME_SANDBOX_DIR },
			{ hostPath: SANDBOX_MCP_HOST_DIR, sandboxPath: SANDBOX_MCP_SANDBOX_DIR },
		],
		helpersDigest: helpersDigest({ agent: AGENT_RUNTIME_HOST_DIR, mcp: SANDBOX_MCP_HOST_DIR }),
	};
}

/** The digest `find agent mcp -type f | LC_ALL=C sort | xargs sha256sum | sha256sum` prints. */
export function helpersDigest(directories: Record<string, string>): string {
	const lines: string[] = [];
	for (const [name, directory] of Object.entries(directories)) {
		for (const file of listFiles(directory)) {
			const path = `${name}/${relative(directory, file)}`;
			lines.push(`${createHash("sha256").update(readFileSync(file)).digest("hex")}  ${path}\n`);
		}
	}
	const sorted = lines.sort((a, b) => {
		const left = Buffer.from(a.slice(66));
		const right = Buffer.from(b.slice(66));
		return Buffer.compare(left, right);
	});
	return createHash("sha256").update(sorted.join("")).digest("hex");
}

function listFiles(directory: string): string[] {
	const files: string[] = [];
	for (const entry of readdirSync(directory, { withFileTypes: true })) {
		const path = join(directory, entry.name);
		if (entry.isDirectory()) files.push(...listFiles(path));
		else if (entry.isFile()) files.push(path);
	}
	return files;
}

/**
 * Whether a remote sandbox's image carries the helpers this gateway expects: `match`, `mismatch`
 * (the image was built from other sources: rebuild it) or `missing` (no digest in the image).
 */
export async function imageHelpersStatus(
	provider: SandboxProvider,
	sandboxId: string,
	expected: string,
): Promise<"match" | "mismatch" | "missing"> {
	const result = await provider.exec(sandboxId, ["cat", IMAGE_HELPERS_DIGEST_PATH], {
		allowFailure: true,
		timeoutMs: 15_000,
	});
	const found = result.exitCode === 0 ? result.stdout.trim() : "";
	if (!/^[0-9a-f]{64}$/.test(found)) return "missing";
	return found === expected ? "match" : "mismatch";
}
