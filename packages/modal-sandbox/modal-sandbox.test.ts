import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
	AGENT_RUNTIME_HOST_DIR,
	AGENT_RUNTIME_SANDBOX_DIR,
	OPENCODE_IMAGE_BINARY,
	OPENCODE_SANDBOX_DIR,
} from "@proliferate/agent-runtime";
import { SANDBOX_MCP_ENTRY, SANDBOX_MCP_HOST_DIR, SANDBOX_MCP_SANDBOX_DIR } from "@proliferate/sandbox-mcp";
import { SANDBOX_GIT_IDENTITY } from "@proliferate/shared";
import { describe, expect, it } from "vitest";

const here = import.meta.dirname;
const dockerfile = readFileSync(join(here, "Dockerfile"), "utf8");
const deploy = readFileSync(join(here, "deploy.py"), "utf8");
const agentRuntime = JSON.parse(readFileSync(join(here, "../agent-runtime/package.json"), "utf8")) as {
	dependencies: Record<string, string>;
};

describe("the remote sandbox image", () => {
	it("pins the same OpenCode as the agent runtime", () => {
		const version = agentRuntime.dependencies["opencode-ai"];
		expect(dockerfile).toContain(`ARG OPENCODE_VERSION=${version}`);
		expect(deploy).toContain(`OPENCODE_VERSION = "${version}"`);
	});

	it("has the sandbox's tools and layout, without bubblewrap", () => {
		expect(dockerfile).toMatch(/^FROM node:20-/m);
		for (const tool of ["git", "ripgrep", "procps"]) expect(dockerfile).toMatch(new RegExp(`\\b${tool}\\b`));
		const instructions = dockerfile
			.split("\n")
			.filter((line) => !line.trimStart().startsWith("#"))
			.join("\n");
		expect(instructions).not.toMatch(/bubblewrap|bwrap/);
		expect(dockerfile).toContain("/home/user/workspace");
		expect(dockerfile).toMatch(/^USER user$/m);
	});

	it("carries the platform's helpers where the gateway starts them on every provider", () => {
		const root = join(here, "../..");
		const copies = [...dockerfile.matchAll(/^COPY (\S+) (\S+)$/gm)].map(([, from, to]) => ({
			from: join(root, from ?? ""),
			to: (to ?? "").replace(/\/$/, ""),
		}));
		// The same directories the local provider mounts, copied from the same sources.
		expect(copies).toContainEqual({
			from: `${AGENT_RUNTIME_HOST_DIR.replace(/\/$/, "")}/`,
			to: AGENT_RUNTIME_SANDBOX_DIR,
		});
		expect(copies).toContainEqual({ from: `${SANDBOX_MCP_HOST_DIR}/`, to: SANDBOX_MCP_SANDBOX_DIR });
		expect(existsSync(join(AGENT_RUNTIME_HOST_DIR, "platform-tools-mcp.mjs"))).toBe(true);
		expect(deploy).toContain(`"${SANDBOX_MCP_ENTRY}"`);
		// OpenCode under the name the gateway runs in remote sandboxes, and node where the helpers expect it.
		expect(dockerfile).toContain(
			`ln -s "$(command -v opencode)" ${OPENCODE_SANDBOX_DIR}/${OPENCODE_IMAGE_BINARY}`,
		);
		expect(dockerfile).toContain("ln -sf /usr/local/bin/node /usr/bin/node");
		// The same git identity local sandboxes commit with.
		expect(dockerfile).toContain(`git config --system user.name "${SANDBOX_GIT_IDENTITY.name}"`);
		expect(dockerfile).toContain(`git config --system user.email ${SANDBOX_GIT_IDENTITY.email}`);
		expect(deploy).toContain("context_dir=ROOT");
		// The digest the gateway checks remote images against (apps/gateway/src/session/sandbox-runtime.ts).
		expect(dockerfile).toContain(
			"find agent mcp -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1 > helpers.sha256",
		);
	});

	it("deploys an app exposing the image id and a health check", () => {
		execFileSync("python3", [
			"-c",
			"import ast,sys; ast.parse(open(sys.argv[1]).read())",
			join(here, "deploy.py"),
		]);
		expect(deploy).toMatch(/def get_image_id\(\)/);
		expect(deploy).toMatch(/def health\(\)/);
		expect(deploy).toContain('os.environ["MODAL_IMAGE_ID"]');
		expect(deploy).toContain("modal.Image.from_dockerfile(");
	});
});
