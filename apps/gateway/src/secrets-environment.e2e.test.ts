import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoConfig, sandboxes, secrets, sessions } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type StartedSession, type TestPlatform, waitFor } from "./testing/platform";

/**
 * Issue #16: the organization's secrets reach the session's sandbox as environment variables (every
 * process: OpenCode, sandbox-mcp and so its terminals and services, commands) and the repository's
 * env files, which git ignores and no snapshot keeps.
 */
const orgValue = `org-${randomBytes(8).toString("hex")}`;
const repoValue = `repo "quoted" ${randomBytes(8).toString("hex")}`;

let platform: TestPlatform;
let started: StartedSession;
let sandboxId: string;

function findArchive(snapshotId: string): string | undefined {
	const stack = [tmpdir()];
	for (let depth = 0; depth < 6 && stack.length; depth++) {
		const next: string[] = [];
		for (const directory of stack) {
			let entries: import("node:fs").Dirent[] = [];
			try {
				entries = readdirSync(directory, { withFileTypes: true });
			} catch {
				continue;
			}
			for (const entry of entries) {
				if (entry.isFile() && entry.name === `${snapshotId}.tar.gz`) return join(directory, entry.name);
				if (entry.isDirectory() && (depth > 0 || entry.name.startsWith("gateway-test-")))
					next.push(join(directory, entry.name));
			}
		}
		stack.splice(0, stack.length, ...next);
	}
	return undefined;
}

beforeAll(async () => {
	platform = await createTestPlatform();
	const { services, organizationId, repoId, secretKeyring } = platform;
	await secrets.upsertSecrets(
		services,
		{
			organizationId,
			scope: { kind: "organization" },
			values: { API_TOKEN: orgValue, SHARED: "org" },
			userId: null,
		},
		secretKeyring,
	);
	await secrets.upsertSecrets(
		services,
		{ organizationId, scope: { kind: "repository", repoId }, values: { SHARED: repoValue }, userId: null },
		secretKeyring,
	);
	await repoConfig.saveRepoConfig(services, {
		organizationId,
		repoId,
		envFiles: [
			{
				path: ".env.local",
				keys: [
					{ key: "API_TOKEN", required: true },
					{ key: "SHARED", required: true },
					{ key: "NOT_SET_ANYWHERE", required: true },
				],
			},
		],
	});
	started = await platform.startSession({ title: "secrets", repoId });
	const session = await sessions.getSession(services, { organizationId, sessionId: started.session.id });
	if (!session.sandboxId) throw new Error("the session has no sandbox");
	sandboxId = (await sandboxes.getSandbox(services, { organizationId, sandboxId: session.sandboxId }))
		.providerSandboxId;
}, 200_000);

afterAll(async () => {
	await platform?.close();
});

describe("secrets in the session's sandbox", () => {
	it("are environment variables of commands and of sandbox-mcp (terminals, services) and OpenCode", async () => {
		const result = await platform.provider.exec(sandboxId, 'printf "%s|%s" "$API_TOKEN" "$SHARED"');
		expect(result.stdout).toBe(`${orgValue}|${repoValue}`);
		const environ = await platform.provider.exec(sandboxId, [
			"/usr/bin/node",
			"-e",
			`const fs=require("fs");const out=[];for(const pid of fs.readdirSync("/proc").filter(n=>/^\\d+$/.test(n))){try{const cmd=fs.readFileSync("/proc/"+pid+"/cmdline").toString();const env=fs.readFileSync("/proc/"+pid+"/environ").toString().split("\\0");out.push({cmd,token:env.find(e=>e.startsWith("API_TOKEN="))??null})}catch{}}process.stdout.write(JSON.stringify(out))`,
		]);
		const processes = JSON.parse(environ.stdout) as { cmd: string; token: string | null }[];
		for (const name of ["/opt/proliferate/mcp/", "serve"]) {
			const found = processes.find((entry) => entry.cmd.includes(name) && entry.token);
			expect(found?.token, name).toBe(`API_TOKEN=${orgValue}`);
		}
	});

	it("are rendered into the repository's env file, which git ignores; a missing required key is reported", async () => {
		const file = Buffer.from(
			await platform.provider.readFile(sandboxId, "/home/user/workspace/.env.local"),
		).toString();
		expect(secrets.parseEnvFile(file)).toEqual([
			{ key: "API_TOKEN", value: orgValue },
			{ key: "SHARED", value: repoValue },
		]);
		const exclude = Buffer.from(
			await platform.provider.readFile(sandboxId, "/home/user/workspace/.git/info/exclude"),
		).toString();
		expect(exclude.split("\n")).toContain("/.env.local");
		const status = await platform.provider.exec(sandboxId, "git status --porcelain --ignored=no");
		expect(status.stdout).not.toContain(".env.local");
		await waitFor(() =>
			started.events.find((event) => event.type === "error" && event.code === "ENV_KEYS_MISSING"),
		);
		const missing = started.events.find(
			(event) => event.type === "error" && event.code === "ENV_KEYS_MISSING",
		);
		expect(missing && "message" in missing ? missing.message : "").toContain("NOT_SET_ANYWHERE");
	});

	it("no snapshot holds a value; the env file is back after the snapshot", async () => {
		const { snapshotId } = await started.http.snapshot(started.session.id);
		const archive = findArchive(snapshotId);
		if (!archive) throw new Error(`snapshot archive ${snapshotId} not found`);
		const contents = execFileSync("tar", ["-xzOf", archive], { maxBuffer: 512 * 1024 * 1024 }).toString(
			"latin1",
		);
		expect(contents).not.toContain(orgValue);
		expect(contents).not.toContain(repoValue.split(" ").pop() ?? repoValue);
		const file = Buffer.from(
			await platform.provider.readFile(sandboxId, "/home/user/workspace/.env.local"),
		).toString();
		expect(file).toContain(orgValue);
	});
});
