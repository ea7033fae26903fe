import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
