/**
 * Local sandbox provider: create → ready, and snapshot / restore of a 50 MB repository,
 * p50/p95 over repeated runs (BENCH_RUNS, default 5).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSandboxProvider } from "@proliferate/sandbox";
import { summarize } from "../stats";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const root = mkdtempSync(join(tmpdir(), "bench-sandbox-"));
const repo = join(root, "repo");
execFileSync("mkdir", ["-p", join(repo, "assets")]);
for (let index = 0; index < 50; index++) {
	writeFileSync(join(repo, "assets", `blob-${index}.bin`), Buffer.alloc(1024 * 1024, index));
}
writeFileSync(join(repo, "README.md"), "# bench\n");
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
git("init", "--quiet", "--initial-branch=main");
git("add", "-A");
git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "--quiet", "-m", "50 MB");

const provider = new LocalSandboxProvider({ dataDirectory: join(root, "data") });
const create: number[] = [];
const snapshot: number[] = [];
const restore: number[] = [];
process.stdout.write(`sandbox bench: ${runs} runs, 50 MB repository\n`);
for (let run = 0; run < runs; run++) {
	let started = performance.now();
	const sandbox = await provider.createSandbox({
		sessionId: null,
		organizationId: null,
		repo: { url: repo },
	});
	await provider.exec(sandbox.sandboxId, "true");
	create.push(performance.now() - started);
	await provider.exec(sandbox.sandboxId, `echo run ${run} >> README.md`);
	started = performance.now();
	const snap = await provider.snapshot(sandbox.sandboxId);
	snapshot.push(performance.now() - started);
	await provider.terminate(sandbox.sandboxId);
	started = performance.now();
	const restored = await provider.createSandbox({
		sessionId: null,
		organizationId: null,
		snapshotId: snap.snapshotId,
	});
	await provider.exec(restored.sandboxId, "true");
	restore.push(performance.now() - started);
	await provider.terminate(restored.sandboxId);
}
const empty: number[] = [];
for (let run = 0; run < runs; run++) {
	const started = performance.now();
	const sandbox = await provider.createSandbox({ sessionId: null, organizationId: null });
	await provider.exec(sandbox.sandboxId, "true");
	empty.push(performance.now() - started);
	await provider.terminate(sandbox.sandboxId);
}
process.stdout.write(`  ${summarize("create empty sandbox → first command", empty)}\n`);
process.stdout.write(`  ${summarize("create + clone 50 MB repo → first command", create)}\n`);
process.stdout.write(`  ${summarize("snapshot (50 MB workspace)", snapshot)}\n`);
process.stdout.write(`  ${summarize("restore from snapshot → first command", restore)}\n`);
await provider.shutdown();
rmSync(root, { recursive: true, force: true });
