/**
 * OpenCode in a local sandbox with the scripted model: boot-to-ready and prompt-to-first-token,
 * p50/p95 over BENCH_RUNS (default 3) fresh sandboxes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	AgentRuntime,
	buildOpencodeBootSpec,
	OPENCODE_PORT,
	OPENCODE_SANDBOX_DIR,
	OpencodeEventMapper,
	resolveOpencodeBinary,
} from "@proliferate/agent-runtime";
import { createDemoRepo } from "@proliferate/demo-repo";
import { LocalSandboxProvider } from "@proliferate/sandbox";
import { createScriptedModelServer } from "@proliferate/scripted-model";
import { summarize } from "../stats";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = mkdtempSync(join(tmpdir(), "bench-agent-"));
const binary = resolveOpencodeBinary();
const model = await createScriptedModelServer({});
const provider = new LocalSandboxProvider({
	dataDirectory: join(root, "data"),
	runtimeMounts: [{ hostPath: binary.directory, sandboxPath: OPENCODE_SANDBOX_DIR }],
});
const repo = createDemoRepo(join(root, "demo"));
const boot: number[] = [];
const firstToken: number[] = [];
const secondFirstToken: number[] = [];
process.stdout.write(`agent bench: ${runs} fresh sandboxes with OpenCode + scripted model\n`);

async function timeToFirstDelta(
	runtime: AgentRuntime,
	sessionId: string,
	workspace: string,
	text: string,
): Promise<number> {
	const mapper = new OpencodeEventMapper(sessionId, workspace);
	const controller = new AbortController();
	let started = 0;
	let elapsed = -1;
	const watching = (async () => {
		for await (const event of runtime.events(controller.signal)) {
			const mapped = mapper.map(event);
			if (elapsed < 0 && started && mapped.some((item) => item.type === "message.delta"))
				elapsed = performance.now() - started;
			if (mapped.some((item) => item.type === "session.status" && item.status === "idle") && elapsed >= 0)
				controller.abort();
		}
	})();
	await new Promise((resolve) => setTimeout(resolve, 200));
	started = performance.now();
	await runtime.prompt(sessionId, { text });
	await watching;
	return elapsed;
}

for (let run = 0; run < runs; run++) {
	const spec = buildOpencodeBootSpec({
		homeDir: "/home/user",
		workspaceDir: "/home/user/workspace",
		binaryFileName: binary.fileName,
		modelId: "echo",
		modelLabel: "Scripted",
		llm: { egressTarget: "llm" },
		llmApiKey: "bench",
	});
	const started = performance.now();
	const sandbox = await provider.createSandbox({
		sessionId: null,
		organizationId: null,
		repo: { url: repo.path },
		files: spec.files,
		processes: [spec.process],
		egress: [{ name: "llm", url: model.url }],
	});
	const runtime = new AgentRuntime({
		baseUrl: sandbox.ports[OPENCODE_PORT] ?? "",
		password: spec.serverPassword,
		readLog: async () => Buffer.from(await provider.readFile(sandbox.sandboxId, spec.logPath)).toString(),
	});
	await runtime.waitUntilReady(120_000);
	boot.push(performance.now() - started);
	const sessionId = await runtime.createSession("bench");
	firstToken.push(await timeToFirstDelta(runtime, sessionId, sandbox.workspaceDir, "[script:echo] hello"));
	secondFirstToken.push(
		await timeToFirstDelta(runtime, sessionId, sandbox.workspaceDir, "[script:echo] again"),
	);
	await provider.terminate(sandbox.sandboxId);
}
process.stdout.write(`  ${summarize("sandbox create → OpenCode ready", boot)}\n`);
process.stdout.write(`  ${summarize("first prompt → first token", firstToken)}\n`);
process.stdout.write(`  ${summarize("warm prompt → first token", secondFirstToken)}\n`);
await provider.shutdown();
await model.close();
rmSync(root, { recursive: true, force: true });
