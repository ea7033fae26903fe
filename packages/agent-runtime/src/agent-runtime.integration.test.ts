import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { LocalSandboxProvider } from "@proliferate/sandbox";
import { createScriptedModelServer, type ScriptedModelServer } from "@proliferate/scripted-model";
import type { SandboxHandle, SessionEventInput } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpencodeBootSpec, OPENCODE_PORT, OPENCODE_SANDBOX_DIR } from "./boot-spec";
import { OpencodeEventMapper } from "./event-mapper";
import { resolveOpencodeBinary } from "./opencode-binary";
import { AgentRuntime } from "./runtime-client";

const root = mkdtempSync(join(tmpdir(), "agent-runtime-"));
const binary = resolveOpencodeBinary();
let provider: LocalSandboxProvider;
let model: ScriptedModelServer;
let sandbox: SandboxHandle;
let runtime: AgentRuntime;
const modelRequests: string[] = [];

beforeAll(async () => {
	model = await createScriptedModelServer({ onRequest: (info) => modelRequests.push(info.scriptName) });
	provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		runtimeMounts: [{ hostPath: binary.directory, sandboxPath: OPENCODE_SANDBOX_DIR }],
	});
	const repo = createDemoRepo(join(root, "demo-app"));
	const spec = buildOpencodeBootSpec({
		homeDir: "/home/user",
		workspaceDir: "/home/user/workspace",
		binaryFileName: binary.fileName,
		modelId: "demo",
		modelLabel: "Scripted demo model",
		llm: { egressTarget: "llm" },
		llmApiKey: "sk-test",
	});
	sandbox = await provider.createSandbox({
		sessionId: null,
		organizationId: null,
		repo: { url: repo.path },
		files: spec.files,
		processes: [spec.process],
		egress: [{ name: "llm", url: model.url }],
	});
	const opencodeUrl = sandbox.ports[OPENCODE_PORT];
	if (!opencodeUrl) throw new Error("OpenCode port was not exposed");
	runtime = new AgentRuntime({
		baseUrl: opencodeUrl,
		password: spec.serverPassword,
		readLog: async () =>
			Buffer.from(
				await provider.readFile(sandbox.sandboxId, "/home/user/.proliferate/logs/opencode.log"),
			).toString(),
	});
	await runtime.waitUntilReady(120_000);
}, 180_000);

afterAll(async () => {
	if (sandbox) await provider.terminate(sandbox.sandboxId);
	await provider?.shutdown();
	await model?.close();
	rmSync(root, { recursive: true, force: true });
});

async function runTurn(
	sessionId: string,
	text: string,
	options: { abortAfter?: (events: SessionEventInput[]) => boolean } = {},
) {
	const mapper = new OpencodeEventMapper(sessionId, sandbox.workspaceDir);
	const events: SessionEventInput[] = [];
	const controller = new AbortController();
	const done = (async () => {
		let aborted = false;
		for await (const event of runtime.events(controller.signal)) {
			events.push(...mapper.map(event));
			if (!aborted && options.abortAfter?.(events)) {
				aborted = true;
				await runtime.abort(sessionId);
			}
			const last = events.at(-1);
			if (
				last?.type === "session.status" &&
				last.status === "idle" &&
				events.some((e) => e.type === "message.completed")
			) {
				controller.abort();
			}
		}
	})();
	await new Promise((resolve) => setTimeout(resolve, 300));
	await runtime.prompt(sessionId, { text });
	const timer = setTimeout(() => controller.abort(), 150_000);
	await done;
	clearTimeout(timer);
	return events;
}

describe("OpenCode in a local sandbox with the scripted model", () => {
	it("runs the demo script: streamed text, tool calls with output, a file edit on disk, completion", async () => {
		const sessionId = await runtime.createSession("demo run");
		const events = await runTurn(sessionId, "Please improve the demo app");
		const types = events.map((event) => event.type);
		expect(types).toContain("message.delta");
		const text = events
			.filter(
				(event): event is Extract<SessionEventInput, { type: "message.delta" }> =>
					event.type === "message.delta",
			)
			.map((event) => event.delta)
			.join("");
		expect(text).toContain("Let me look at the project first.");
		const bash = events.find(
			(event): event is Extract<SessionEventInput, { type: "tool.completed" }> =>
				event.type === "tool.completed" && event.tool === "bash" && (event.output ?? "").includes("pass"),
		);
		expect(bash?.status).toBe("completed");
		expect(bash?.output).toMatch(/# pass 3/);
		expect(
			events.some(
				(event) => event.type === "tool.completed" && event.tool === "edit" && event.status === "completed",
			),
		).toBe(true);
		expect(events.some((event) => event.type === "file.changed" && event.path === "src/greet.js")).toBe(true);
		const completed = events.filter((event) => event.type === "message.completed");
		expect(completed.at(-1)).toMatchObject({ finishReason: "stop" });
		// Each tool call started and completed exactly once.
		const started = events.filter((event) => event.type === "tool.started").map((event) => event.toolCallId);
		expect(new Set(started).size).toBe(started.length);
		const greet = Buffer.from(await provider.readFile(sandbox.sandboxId, "src/greet.js")).toString();
		expect(greet).toContain("export function shout(name)");
		// The sandbox has no network but loopback: completing proves OpenCode needed nothing else.
		expect(modelRequests.filter((name) => name === "demo").length).toBeGreaterThanOrEqual(7);
	});

	it("aborts a streaming answer cleanly", async () => {
		const sessionId = await runtime.createSession("abort run");
		const events = await runTurn(sessionId, "[script:slow] talk for a while", {
			abortAfter: (seen) => seen.filter((event) => event.type === "message.delta").length >= 3,
		});
		const completed = events.find((event) => event.type === "message.completed");
		expect(completed).toMatchObject({ finishReason: "aborted" });
		expect(events.some((event) => event.type === "error")).toBe(false);
		const deltas = events.filter((event) => event.type === "message.delta").length;
		expect(deltas).toBeLessThan(100);
		expect(events.at(-1)).toMatchObject({ type: "session.status", status: "idle" });
	});

	it("marks a bash call that exits non-zero as failed, with its exit code (OpenCode calls it completed)", async () => {
		const sessionId = await runtime.createSession("failing command");
		const events = await runTurn(sessionId, "[script:bash] echo broken >&2; exit 3");
		const failed = events.find(
			(event): event is Extract<SessionEventInput, { type: "tool.completed" }> =>
				event.type === "tool.completed" && event.tool === "bash",
		);
		expect(failed).toMatchObject({ status: "failed", exitCode: 3, output: "broken\n" });
		const passed = await runTurn(await runtime.createSession("passing command"), "[script:bash] echo fine");
		expect(passed.find((event) => event.type === "tool.completed")).toMatchObject({
			status: "completed",
			exitCode: 0,
		});
	});
});
