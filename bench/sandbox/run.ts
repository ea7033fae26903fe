/**
 * Local sandbox provider: create → ready, and snapshot / restore of a 50 MB repository,
 * p50/p95 over repeated runs (BENCH_RUNS, default 5); then warm-pool claim → first command
 * (PostgreSQL-backed pool, `BENCH_WARM` sandboxes, default 20) against a cold create.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { E2BSandboxProvider, LocalSandboxProvider, ModalSandboxProvider } from "@proliferate/sandbox";
import { startFakeE2bServer, startFakeModalServer } from "@proliferate/sandbox/testing";
import { createDb, orgs, warmPool } from "@proliferate/services";
import type { SandboxProvider } from "@proliferate/shared";
import { createMigratedDatabase } from "@proliferate/vitest-setup/databases";
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

// Warm pool: refill, then claim → first command, one claim at a time.
const warmCount = Number(process.env.BENCH_WARM ?? 20);
const benchDatabase = await createMigratedDatabase("proliferate_bench_warm");
const database = createDb(benchDatabase.url, { max: 4 });
const context = { db: database.db };
const owner = await orgs.createUser(context, { name: "Bench", email: "bench@bench.test" });
const organization = await orgs.createOrganization(context, { name: "Bench", ownerUserId: owner.id });
const poolKey = warmPool.warmPoolKey("local", "bench-repo");
const refillStarted = performance.now();
const refill = await warmPool.refillWarmPool(context, provider, {
	poolKey,
	size: warmCount,
	organizationId: organization.id,
	createOptions: { repo: { url: repo } },
});
const refillMs = performance.now() - refillStarted;
const claim: number[] = [];
const claimed: string[] = [];
for (let index = 0; index < warmCount; index++) {
	const started = performance.now();
	const sandbox = await warmPool.claimWarmSandbox(context, {
		poolKey,
		organizationId: organization.id,
		sessionId: randomUUID(),
	});
	if (!sandbox) throw new Error("warm pool ran dry during the benchmark");
	await provider.exec(sandbox.handle.sandboxId, "true");
	claim.push(performance.now() - started);
	claimed.push(sandbox.handle.sandboxId);
}
process.stdout.write(
	`  warm pool refill: ${refill.created} sandboxes with the 50 MB repo in ${(refillMs / 1000).toFixed(1)} s\n`,
);
process.stdout.write(`  ${summarize("warm-pool claim → first command", claim)}\n`);
for (const id of claimed) await provider.terminate(id);
await database.close();
await benchDatabase.drop();
await provider.shutdown();

// Remote providers against the local protocol fakes: the provider + SDK + protocol overhead of
// each operation (no network, no cloud scheduling — not a prediction of E2B/Modal latency).
async function remoteFigures(label: string, remote: SandboxProvider) {
	const created: number[] = [];
	const snapshots: number[] = [];
	const restores: number[] = [];
	for (let run = 0; run < runs; run++) {
		let started = performance.now();
		const sandbox = await remote.createSandbox({ sessionId: null, organizationId: null });
		await remote.exec(sandbox.sandboxId, "true");
		created.push(performance.now() - started);
		started = performance.now();
		const snap = await remote.snapshot(sandbox.sandboxId);
		snapshots.push(performance.now() - started);
		await remote.terminate(sandbox.sandboxId);
		started = performance.now();
		const restored = await remote.createSandbox({
			sessionId: null,
			organizationId: null,
			snapshotId: snap.snapshotId,
		});
		await remote.exec(restored.sandboxId, "true");
		restores.push(performance.now() - started);
		await remote.terminate(restored.sandboxId);
	}
	process.stdout.write(`  ${summarize(`${label}: create → first command`, created)}\n`);
	process.stdout.write(`  ${summarize(`${label}: snapshot`, snapshots)}\n`);
	process.stdout.write(`  ${summarize(`${label}: restore → first command`, restores)}\n`);
}
const fakeRoot = mkdtempSync(join(tmpdir(), "bench-remote-"));
const e2bFake = await startFakeE2bServer({ root: join(fakeRoot, "e2b"), templates: ["proliferate"] });
await remoteFigures(
	"e2b (protocol fake)",
	new E2BSandboxProvider({
		apiKey: e2bFake.apiKey,
		template: "proliferate",
		apiUrl: e2bFake.url,
		sandboxUrl: e2bFake.url,
	}),
);
await e2bFake.close();
const modalFake = await startFakeModalServer({ root: join(fakeRoot, "modal") });
process.env.MODAL_SERVER_URL = modalFake.url;
process.env.MODAL_CONFIG_PATH = join(fakeRoot, "no-modal.toml");
await remoteFigures(
	"modal (gRPC fake)",
	new ModalSandboxProvider({
		appName: "bench",
		imageId: modalFake.baseImageId,
		tokenId: modalFake.tokenId,
		tokenSecret: modalFake.tokenSecret,
	}),
);
await modalFake.close();
rmSync(fakeRoot, { recursive: true, force: true });
rmSync(root, { recursive: true, force: true });
