import type { SessionEvent } from "@proliferate/shared/events";
import { describe, expect, it } from "vitest";
import { applyEvent, emptyTranscript, messageText, type TranscriptState } from "./transcript";

const time = "2026-01-01T00:00:00.000Z";
const events: SessionEvent[] = [
	{
		sessionId: "s",
		seq: 1,
		time,
		type: "session.status",
		status: "starting",
		progress: { step: "boot", fraction: 0.5 },
	},
	{ sessionId: "s", seq: 2, time, type: "session.status", status: "running" },
	{ sessionId: "s", seq: 3, time, type: "message.started", messageId: "u1", role: "user", text: "Add shout" },
	{ sessionId: "s", seq: 4, time, type: "message.started", messageId: "a1", role: "assistant" },
	{ sessionId: "s", seq: 5, time, type: "message.delta", messageId: "a1", partId: "p1", delta: "Let me " },
	{ sessionId: "s", seq: 6, time, type: "message.delta", messageId: "a1", partId: "p1", delta: "look." },
	{
		sessionId: "s",
		seq: 7,
		time,
		type: "tool.started",
		messageId: "a1",
		toolCallId: "t1",
		tool: "bash",
		input: { command: "npm test" },
	},
	{ sessionId: "s", seq: 8, time, type: "tool.updated", toolCallId: "t1", tool: "bash", output: "running" },
	{
		sessionId: "s",
		seq: 9,
		time,
		type: "tool.completed",
		toolCallId: "t1",
		tool: "bash",
		status: "completed",
		output: "ok 3",
	},
	{ sessionId: "s", seq: 10, time, type: "file.changed", path: "src/greet.js", change: "modified" },
	{ sessionId: "s", seq: 11, time, type: "preview.url", port: 3000, url: "http://gw/preview/x/" },
	{
		sessionId: "s",
		seq: 12,
		time,
		type: "message.completed",
		messageId: "a1",
		finishReason: "stop",
		text: "Let me look.",
	},
	{ sessionId: "s", seq: 13, time, type: "session.status", status: "idle" },
];

function fold(list: SessionEvent[], start: TranscriptState = emptyTranscript): TranscriptState {
	return list.reduce(applyEvent, start);
}

describe("transcript", () => {
	it("builds messages with streamed text and tool cards in arrival order", () => {
		const state = fold(events);
		expect(state.messages.map((message) => [message.id, message.role, message.status])).toEqual([
			["u1", "user", "completed"],
			["a1", "assistant", "completed"],
		]);
		const assistant = state.messages[1];
		if (!assistant) throw new Error("expected an assistant message");
		expect(messageText(assistant)).toBe("Let me look.");
		expect(assistant.parts[1]).toMatchObject({
			kind: "tool",
			tool: "bash",
			status: "completed",
			output: "ok 3",
		});
		expect(state.changedFiles).toEqual({ "src/greet.js": "modified" });
		expect(state.previews).toEqual([{ port: 3000, url: "http://gw/preview/x/" }]);
		expect(state.status).toBe("idle");
		expect(state.agentBusy).toBe(false);
	});

	it("tracks the agent as busy from the user's prompt until idle", () => {
		expect(fold(events.slice(0, 6)).agentBusy).toBe(true);
	});

	it("ignores replayed events, so a reconnect or reload never duplicates content", () => {
		const once = fold(events);
		const replayedTwice = fold([...events.slice(0, 8), ...events, ...events.slice(5)]);
		expect(replayedTwice).toEqual(once);
		// A reload mid-stream (replay of the first half, then the rest) ends in the same state.
		const reloaded = fold(events.slice(6), fold(events.slice(0, 6)));
		expect(reloaded).toEqual(once);
	});

	it("shows a command that exited non-zero as failed, with its exit code", () => {
		const state = fold([
			{ sessionId: "s", seq: 1, time, type: "message.started", messageId: "a1", role: "assistant" },
			{ sessionId: "s", seq: 2, time, type: "tool.started", messageId: "a1", toolCallId: "t1", tool: "bash" },
			{
				sessionId: "s",
				seq: 3,
				time,
				type: "tool.completed",
				toolCallId: "t1",
				tool: "bash",
				status: "failed",
				exitCode: 3,
				output: "broken",
			},
		]);
		expect(state.messages[0]?.parts[0]).toMatchObject({ kind: "tool", status: "failed", exitCode: 3 });
	});

	it("keeps why the sandbox stopped, ends the turn, and forgets the stop once it runs again", () => {
		const stopped = fold([
			{ sessionId: "s", seq: 1, time, type: "message.started", messageId: "u1", role: "user", text: "go" },
			{ sessionId: "s", seq: 2, time, type: "message.started", messageId: "a1", role: "assistant" },
			{
				sessionId: "s",
				seq: 3,
				time,
				type: "session.status",
				status: "failed",
				stopReason: { kind: "memory_limit", message: "the sandbox exceeded its memory limit (128 MB)" },
			},
		]);
		expect(stopped.stopReason?.kind).toBe("memory_limit");
		expect(stopped.agentBusy).toBe(false);
		expect(stopped.messages[1]?.status).toBe("error");
		const resumed = applyEvent(stopped, {
			sessionId: "s",
			seq: 4,
			time,
			type: "session.status",
			status: "starting",
		});
		expect(resumed.stopReason).toBeUndefined();
	});
});
