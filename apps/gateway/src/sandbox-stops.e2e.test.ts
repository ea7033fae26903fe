import { readdirSync, readFileSync } from "node:fs";
import { detectCgroups } from "@proliferate/sandbox/local";
import { sandboxes, sessions } from "@proliferate/services";
import type { SandboxStopKind, SessionEvent, SessionEventOf } from "@proliferate/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type StartedSession, type TestPlatform, waitFor } from "./testing/platform";

/**
 * Sandboxes that stop without the session asking (resource limits, an outside kill) reach the
 * session: a `session.status` naming the stop, the session `failed` with the reason in the
 * database, the hub no longer busy, and a clear domain error for the next prompt.
 */
const cgroups = detectCgroups();
if (!cgroups)
	console.warn(
		"SKIPPING the memory and process bomb tests: this machine has no writable cgroup hierarchy, so sandboxes run without memory and process limits",
	);

let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform({
		// Small enough for a bomb to hit quickly, large enough for OpenCode and sandbox-mcp to run.
		resources: { memoryMb: 1024, maxProcesses: 300, diskMb: 300 },
	});
}, 180_000);

afterAll(async () => {
	await platform?.close();
});

function scope(started: StartedSession) {
	return { organizationId: platform.organizationId, sessionId: started.session.id };
}

/** Starts a slow agent turn, so the hub is busy when the sandbox stops. */
async function busyTurn(started: StartedSession) {
	await started.stream.sendPrompt("[script:slow] keep talking");
	await waitFor(() => platform.gateway.hubs.get(started.session.id)?.agentBusy, 60_000, "the agent busy");
	await waitFor(
		() => started.events.some((event) => event.type === "message.delta"),
		60_000,
		"the answer streaming",
	);
}

function stopStatus(events: SessionEvent[]) {
	return events.find(
		(event): event is SessionEventOf<"session.status"> =>
			event.type === "session.status" && event.stopReason !== undefined,
	);
}

async function expectStopReported(started: StartedSession, kind: SandboxStopKind, reason: RegExp) {
	const status = await waitFor(() => stopStatus(started.events), 120_000, `the ${kind} stop`);
	expect(status.status).toBe("failed");
	expect(status.stopReason?.kind).toBe(kind);
	expect(status.stopReason?.message).toMatch(reason);
	const session = await sessions.getSession(platform.services, scope(started));
	expect(session.status).toBe("failed");
	expect(session.statusReason).toMatch(reason);
	expect(platform.gateway.hubs.get(started.session.id)?.agentBusy).toBe(false);
	// The slow answer that was streaming is closed as interrupted, before the status.
	const interrupted = started.events.find(
		(event) => event.type === "message.completed" && event.finishReason === "error",
	);
	expect(interrupted).toMatchObject({ error: expect.stringMatching(/^Interrupted: the sandbox stopped/) });
	expect(interrupted?.seq ?? Number.POSITIVE_INFINITY).toBeLessThan(status.seq);
	// The next prompt is refused with a domain error, not a driver error after `message.started`.
	const before = started.events.length;
	await expect(started.stream.sendPrompt("are you still there?")).rejects.toMatchObject({
		code: "SESSION_NOT_RUNNING",
	});
	expect(started.events.slice(before).some((event) => event.type === "message.started")).toBe(false);
	expect(JSON.stringify(started.events)).not.toContain("OpenCode prompt failed");
	return status;
}

/** The bubblewrap process of the session's sandbox (found by its sandbox id on the command line). */
async function bwrapPid(started: StartedSession): Promise<number> {
	const session = await sessions.getSession(platform.services, scope(started));
	const record = await sandboxes.getSandbox(platform.services, {
		organizationId: platform.organizationId,
		sandboxId: session.sandboxId ?? "",
	});
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
			if (argv[0]?.endsWith("bwrap") && argv.some((arg) => arg.includes(record.providerSandboxId)))
				return Number(entry);
		} catch {}
	}
	throw new Error(`no bubblewrap process for ${record.providerSandboxId}`);
}

describe.skipIf(!cgroups)("sandbox resource limits reach the session (cgroups)", () => {
	it("reports a memory bomb as a memory_limit stop and frees the hub", async () => {
		const started = await platform.startSession({ title: "memory bomb" });
		await busyTurn(started);
		await started.stream
			.runCommand(`node -e "const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1));"`)
			.catch(() => {});
		await expectStopReported(started, "memory_limit", /exceeded its memory limit \(1024 MB\)/);
	}, 300_000);

	it("reports a fork bomb as a process_limit stop and frees the hub", async () => {
		const started = await platform.startSession({ title: "fork bomb" });
		await busyTurn(started);
		await started.stream.runCommand("for i in $(seq 600); do sleep 60 & done; wait").catch(() => {});
		await expectStopReported(started, "process_limit", /exceeded its process limit \(300 processes\)/);
	}, 300_000);
});

describe("sandbox stops reach the session", () => {
	it("reports a disk bomb as a disk_limit stop and frees the hub", async () => {
		const started = await platform.startSession({ title: "disk bomb" });
		await busyTurn(started);
		await started.stream.runCommand("head -c 400000000 /dev/zero > filler.bin").catch(() => {});
		await expectStopReported(started, "disk_limit", /exceeded its disk limit \(300 MB\)/);
	}, 300_000);

	it("reports an externally killed sandbox, and resumes it from the last snapshot", async () => {
		const started = await platform.startSession({ title: "killed" });
		await started.stream.runCommand("echo 'saved in the snapshot' > kept.txt");
		await started.http.snapshot(started.session.id);
		await started.stream.runCommand("echo 'after the snapshot' > lost.txt");
		await busyTurn(started);
		process.kill(await bwrapPid(started), "SIGKILL");
		const status = await expectStopReported(started, "killed", /exited unexpectedly \(SIGKILL\)/);
		expect(status.stopReason?.canResume).toBe(true);
		await started.http.resume(started.session.id);
		const kept = await started.stream.runCommand("cat kept.txt; ls lost.txt 2>&1 || true");
		expect(kept.stdout).toMatch(/^saved in the snapshot\n.*No such file/s);
		expect((await sessions.getSession(platform.services, scope(started))).status).toBe("running");
		await started.http.terminate(started.session.id);
	}, 300_000);

	it("ends the turn with a domain error when OpenCode does not take a prompt after message.started", async () => {
		const started = await platform.startSession({ title: "agent gone" });
		// OpenCode dies inside a sandbox that keeps running (nothing restarts it).
		await started.stream.runCommand(
			'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = opencode ] && kill -9 "$(basename $p)"; done; true',
		);
		const before = started.events.length;
		await expect(started.stream.sendPrompt("hello?")).rejects.toMatchObject({ code: "AGENT_UNAVAILABLE" });
		// The command's answer and the published events travel separately: wait for the turn's end.
		await waitFor(
			() =>
				started.events
					.slice(before)
					.some((event) => event.type === "session.status" && event.status === "idle"),
			30_000,
			"the turn's end",
		);
		const after = started.events.slice(before);
		const started_ = after.findIndex((event) => event.type === "message.started");
		const error = after.findIndex((event) => event.type === "error");
		expect(started_).toBeGreaterThanOrEqual(0);
		expect(error).toBeGreaterThan(started_);
		expect(after[error]).toMatchObject({ type: "error", code: "AGENT_UNAVAILABLE", retryable: true });
		expect(after.at(-1)).toMatchObject({ type: "session.status", status: "idle" });
		expect(JSON.stringify(after)).not.toContain("OpenCode prompt failed");
		expect(platform.gateway.hubs.get(started.session.id)?.agentBusy).toBe(false);
		// The sandbox itself still runs: this is not a stop.
		expect(stopStatus(started.events)).toBeUndefined();
		await started.http.terminate(started.session.id);
	}, 300_000);

	it("does not report the stops a session asks for (pause, terminate)", async () => {
		const started = await platform.startSession({ title: "asked" });
		await started.http.pause(started.session.id);
		await started.http.resume(started.session.id);
		await started.http.terminate(started.session.id);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(stopStatus(started.events)).toBeUndefined();
		expect((await sessions.getSession(platform.services, scope(started))).status).toBe("stopped");
	}, 300_000);
});
