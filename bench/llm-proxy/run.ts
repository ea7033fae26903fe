/**
 * LLM proxy overhead. The same load is sent straight to a fake upstream (its own process) and
 * through the proxy (its own process, started from apps/llm-proxy/src/main.ts with a real database
 * and Redis), at 1, 50 and 200 connections, for plain and streamed chat completions. Prints
 * throughput and latency for both, and the latency the proxy adds (p50/p95/p99).
 * Target on a 2-core machine: ≥ 2,000 req/s through the proxy, added p50 < 0.5 ms, p99 < 3 ms.
 * It also prints the CPU time each request costs (the process's user+system time from /proc over
 * the requests answered: the bare upstream for the direct run, the proxy for the proxied run), and
 * the event-loop delay of the proxy (the slowest /health answer, polled every 5 ms) while it takes a
 * 20 MB body (refused by the default limit) and a 9 MB body sent to a model whose first deployment fails.
 * BENCH_SECONDS sets the duration of each run (default 5); BENCH_CONNECTIONS the connection counts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createDb, llm, orgs, sessions } from "@proliferate/services";
import { createMigratedDatabase } from "@proliferate/vitest-setup/databases";
import autocannon from "autocannon";
import { percentile } from "../stats";

/** BENCH_PROXY_MAIN: another proxy entry (e.g. an older copy, to compare on the same machine load). */
const proxyMain = process.env.BENCH_PROXY_MAIN ?? "apps/llm-proxy/src/main.ts";
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? "1,50,200").split(",").map(Number);
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const children: ChildProcess[] = [];
function stopChildren() {
	for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}
process.on("exit", stopChildren);

async function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer().listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

const pids = new Map<string, number>();
/** User + system CPU time of a process so far, in ms (from /proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
	if (!pid) return Number.NaN;
	const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** BENCH_PROXY_PROFILE_DIR=<dir> writes a CPU profile of the proxy process there. */
const profileDirectory = process.env.BENCH_PROXY_PROFILE_DIR;

function start(
	args: string[],
	env: NodeJS.ProcessEnv,
	ready: (line: string) => boolean,
	profile = false,
): Promise<string> {
	// `node --import tsx` (not `pnpm exec tsx`): the child's pid is the process whose CPU time is read.
	const prefix =
		profile && profileDirectory
			? ["--cpu-prof", `--cpu-prof-dir=${profileDirectory}`, "--import", "tsx"]
			: ["--import", "tsx"];
	const child = spawn("node", [...prefix, ...args], {
		cwd: repoRoot,
		env: { ...process.env, ...env },
		stdio: ["ignore", "pipe", "inherit"],
	});
	children.push(child);
	if (child.pid) pids.set(args[0] ?? "", child.pid);
	return new Promise((resolve, reject) => {
		child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
		createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
			if (ready(line)) resolve(line);
		});
	});
}

const benchDatabase = await createMigratedDatabase("proliferate_bench_llm");
const databaseUrl = benchDatabase.url;
const database = createDb(databaseUrl, { max: 2 });

try {
	const services = { db: database.db };
	const user = await orgs.createUser(services, { name: "Bench", email: "bench@example.test" });
	const organization = await orgs.createOrganization(services, { name: "Bench", ownerUserId: user.id });
	const session = await sessions.createSession(services, { organizationId: organization.id, title: "bench" });
	const { key } = await llm.mintVirtualKey(services, {
		organizationId: organization.id,
		sessionId: session.id,
	});

	const upstreamUrl = (
		await start(["bench/llm-proxy/upstream-server.ts"], {}, (line) => line.startsWith("http"))
	).trim();
	const proxyPort = await freePort();
	const proxyExited = start(
		[proxyMain],
		{
			DATABASE_URL: databaseUrl,
			REDIS_URL: redisUrl,
			REDIS_KEY_PREFIX: `bench-llm-${Date.now().toString(36)}`,
			LLM_PROXY_PORT: String(proxyPort),
			LLM_PROXY_ADMIN_SECRET: "b".repeat(48),
			LOG_LEVEL: "warn",
			LLM_MODEL_CATALOG: JSON.stringify({
				models: [
					{
						name: "gpt-fake",
						deployments: [
							{ provider: "openai", baseUrl: `${upstreamUrl}/v1`, price: { input: 2, output: 8 } },
						],
					},
					{
						name: "fallback-model",
						deployments: [
							{ id: "broken", provider: "openai", baseUrl: `${upstreamUrl}/v1`, model: "error-500" },
							{ id: "healthy", provider: "openai", baseUrl: `${upstreamUrl}/v1`, model: "gpt-fake" },
						],
					},
				],
			}),
		},
		() => false,
		true,
	);
	proxyExited.catch(() => {});
	const proxyUrl = `http://127.0.0.1:${proxyPort}`;
	for (let attempt = 0; ; attempt++) {
		const healthy = await fetch(`${proxyUrl}/health`).then(
			(response) => response.ok,
			() => false,
		);
		if (healthy) break;
		if (attempt > 300) throw new Error("the proxy did not start within 30 s");
		await new Promise((resolve) => setTimeout(resolve, 100));
	}

	const bodyFor = (stream: boolean) =>
		JSON.stringify({
			model: "gpt-fake",
			messages: [
				{ role: "system", content: "You are a helpful assistant." },
				{ role: "user", content: "Write one sentence about foxes." },
			],
			...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
		});

	async function load(url: string, connections: number, stream: boolean, pid?: number) {
		const samples: number[] = [];
		const cpuBefore = cpuMs(pid);
		let errors = 0;
		const result = await new Promise<autocannon.Result>((resolve, reject) => {
			const instance = autocannon(
				{
					url: `${url}/v1/chat/completions`,
					method: "POST",
					connections,
					duration: seconds,
					headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
					body: bodyFor(stream),
				},
				(error, finished) => (error ? reject(error) : resolve(finished)),
			);
			instance.on("response", (_client, statusCode, _bytes, responseTime) => {
				if (statusCode === 200) samples.push(responseTime);
				else errors++;
			});
		});
		return {
			cpuPerRequestMs: (cpuMs(pid) - cpuBefore) / Math.max(1, result.requests.total),
			requestsPerSecond: result.requests.average,
			samples,
			errors: errors + result.errors + result.timeouts,
		};
	}

	const upstreamPid = pids.get("bench/llm-proxy/upstream-server.ts");
	const proxyPid = pids.get(proxyMain);

	/** Sends one large body and reports the slowest /health answer meanwhile (the event-loop delay). */
	async function largeBody(megabytes: number, model: string) {
		const pad = "x".repeat(megabytes * 1024 * 1024);
		const body = JSON.stringify({ model, messages: [{ role: "user", content: pad }] });
		let slowest = 0;
		let polling = true;
		const poller = (async () => {
			while (polling) {
				const sent = performance.now();
				await fetch(`${proxyUrl}/health`).then((response) => response.arrayBuffer());
				slowest = Math.max(slowest, performance.now() - sent);
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
		})();
		await new Promise((resolve) => setTimeout(resolve, 100));
		const started = performance.now();
		const status = await fetch(`${proxyUrl}/v1/chat/completions`, {
			method: "POST",
			headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
			body,
		}).then(
			async (response) => {
				await response.arrayBuffer();
				return String(response.status);
			},
			(error: Error) => `failed (${error.message})`,
		);
		const elapsed = performance.now() - started;
		await new Promise((resolve) => setTimeout(resolve, 100));
		polling = false;
		await poller;
		process.stdout.write(
			`${`${megabytes} MB body, ${model}`.padEnd(34)} status ${status.padEnd(4)} in ${elapsed.toFixed(0).padStart(5)} ms; slowest /health meanwhile (event-loop delay): ${slowest.toFixed(0)} ms\n`,
		);
	}
	await largeBody(20, "gpt-fake");
	await largeBody(9, "fallback-model");

	const format = (value: number) => value.toFixed(2).padStart(7);
	process.stdout.write(
		`llm-proxy bench: ${seconds}s per run, fake upstream and proxy in their own processes, autocannon here\n` +
			`${"load".padEnd(26)}${"direct req/s".padStart(13)}${"proxy req/s".padStart(13)}   added latency ms: p50     p95     p99   (proxy p50/p99 ms)  CPU ms/request: upstream  proxy\n`,
	);
	// Warm both paths (connection pools, JIT, key cache).
	await load(upstreamUrl, 10, false);
	await load(proxyUrl, 10, false);
	for (const stream of [false, true]) {
		for (const connections of connectionCounts) {
			const direct = await load(upstreamUrl, connections, stream, upstreamPid);
			const proxied = await load(proxyUrl, connections, stream, proxyPid);
			const added = (p: number) => percentile(proxied.samples, p) - percentile(direct.samples, p);
			const label = `${stream ? "streaming" : "plain"}, ${connections} conn`;
			process.stdout.write(
				`${label.padEnd(26)}${direct.requestsPerSecond.toFixed(0).padStart(13)}${proxied.requestsPerSecond.toFixed(0).padStart(13)}                    ${format(added(50))} ${format(added(95))} ${format(added(99))}   (${percentile(proxied.samples, 50).toFixed(2)}/${percentile(proxied.samples, 99).toFixed(2)})  ${direct.cpuPerRequestMs.toFixed(3).padStart(8)} ${proxied.cpuPerRequestMs.toFixed(3).padStart(6)}${proxied.errors || direct.errors ? `  errors: direct ${direct.errors}, proxy ${proxied.errors}` : ""}\n`,
			);
		}
	}
	const spend = await fetch(`${proxyUrl}/metrics`).then((response) => response.text());
	const tokens = [...spend.matchAll(/llm_proxy_tokens_total\{[^}]*kind="output"\} (\d+)/g)].reduce(
		(sum, match) => sum + Number(match[1]),
		0,
	);
	process.stdout.write(`metered output tokens through the proxy: ${tokens ?? "none"}\n`);
} finally {
	stopChildren();
	await new Promise((resolve) => setTimeout(resolve, 500));
	await database.close();
	await benchDatabase.drop();
}
