import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDirectory = fileURLToPath(new URL("..", import.meta.url));
/** Host directory holding the bundle; providers mount it read-only at SANDBOX_MCP_SANDBOX_DIR. */
export const SANDBOX_MCP_HOST_DIR = join(packageDirectory, "dist");
export const SANDBOX_MCP_ENTRY = "sandbox-mcp.mjs";

function newestSource(directory: string): number {
	let newest = 0;
	for (const entry of readdirSync(directory, { withFileTypes: true })) {
		const path = join(directory, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
		else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
			newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

/**
 * Bundles sandbox-mcp for sandboxes, which see neither the repository nor its node_modules: one ESM
 * file (zod, ws, the shared protocol and http-kit inlined) plus node-pty's JavaScript and its native addon in
 * `dist/node_modules/node-pty`, loadable by the host's node binary mounted in the sandbox.
 */
export async function buildSandboxMcpBundle(): Promise<string> {
	const { build } = await import("esbuild");
	rmSync(SANDBOX_MCP_HOST_DIR, { recursive: true, force: true });
	mkdirSync(SANDBOX_MCP_HOST_DIR, { recursive: true });
	await build({
		entryPoints: [join(packageDirectory, "src", "main.ts")],
		outfile: join(SANDBOX_MCP_HOST_DIR, SANDBOX_MCP_ENTRY),
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node20",
		external: ["node-pty", "bufferutil", "utf-8-validate"],
		banner: {
			js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
		},
		logLevel: "warning",
	});
	const require = createRequire(join(packageDirectory, "package.json"));
	const ptyDirectory = dirname(require.resolve("node-pty/package.json"));
	const ptyTarget = join(SANDBOX_MCP_HOST_DIR, "node_modules", "node-pty");
	const addon = join(ptyDirectory, "build", "Release", "pty.node");
	if (!existsSync(addon))
		throw new Error(
			`node-pty's native addon is not built (${addon}); run pnpm install (node-pty is built on install)`,
		);
	for (const part of ["package.json", "lib", "build/Release"])
		cpSync(join(ptyDirectory, part), join(ptyTarget, part), {
			recursive: true,
			filter: (source) => !source.endsWith(".map") && !source.endsWith(".test.js"),
		});
	return SANDBOX_MCP_HOST_DIR;
}

/** Builds the bundle when it is missing or older than the sources (tests and dev start call this). */
export async function ensureSandboxMcpBundle(): Promise<string> {
	const entry = join(SANDBOX_MCP_HOST_DIR, SANDBOX_MCP_ENTRY);
	// The bundle inlines the workspace packages sandbox-mcp imports: their sources count too.
	const newest = Math.max(
		...["sandbox-mcp", "shared", "http-kit"].map((name) =>
			newestSource(join(packageDirectory, "..", name, "src")),
		),
	);
	if (existsSync(entry) && statSync(entry).mtimeMs >= newest) return SANDBOX_MCP_HOST_DIR;
	return buildSandboxMcpBundle();
}
