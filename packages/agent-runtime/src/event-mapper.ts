import type { Event as OpencodeEvent } from "@opencode-ai/sdk/v2";
import type { SessionEventInput } from "@proliferate/shared";

type Finish = "stop" | "tool-calls" | "aborted" | "error" | "length" | "other";

interface ToolState {
	started: boolean;
	completed: boolean;
	lastInput: string;
	lastOutput: string;
	title?: string;
}

const abortNames = new Set(["MessageAbortedError", "AbortError"]);

function isAbort(error: { name?: string; data?: { message?: string } } | undefined): boolean {
	if (!error) return false;
	if (error.name && abortNames.has(error.name)) return true;
	return /aborted/i.test(error.data?.message ?? "");
}

function errorText(error: { name?: string; data?: { message?: string } }): string {
	return error.data?.message ?? error.name ?? "the agent failed";
}

/**
 * The exit code OpenCode's bash tool records in the part's `state.metadata.exit` (OpenCode marks
 * the part `completed` whatever the code, so a failing command is only visible here).
 */
export function commandExitCode(metadata: unknown): number | undefined {
	if (!metadata || typeof metadata !== "object") return undefined;
	const exit = (metadata as { exit?: unknown }).exit;
	return typeof exit === "number" && Number.isInteger(exit) ? exit : undefined;
}

function toFinish(finish: string | undefined): Finish | undefined {
	if (!finish) return undefined;
	if (finish === "stop" || finish === "tool-calls" || finish === "length") return finish;
	return "other";
}

/**
 * Turns OpenCode's event stream into the platform's event protocol for one OpenCode session.
 * Stateful (one instance per hub): it remembers which messages, parts and tool calls it has
 * announced, so it emits each `*.started` / `*.completed` exactly once and turns both `delta`
 * events and full-text part updates into non-overlapping `message.delta`s.
 */
export class OpencodeEventMapper {
	private readonly userMessages = new Set<string>();
	private readonly assistantMessages = new Map<string, { completed: boolean; parts: Map<string, string> }>();
	/**
	 * Parts that were streaming when this mapper took over from another (a gateway instance that
	 * lost the session): their deltas from before the takeover were never seen here, so deltas are
	 * not trusted for them; full-text updates bring what is missing.
	 */
	private readonly resyncParts = new Set<string>();
	private readonly tools = new Map<string, ToolState>();
	private status: "running" | "idle" | undefined;
	private readonly recentFiles = new Map<string, string>();

	constructor(
		private readonly opencodeSessionId: string,
		private readonly workspaceDir: string,
	) {}

	/**
	 * Continues a turn another mapper published part of (`published`: message id → part id → text
	 * already in the session's log): those messages are not announced again, and their parts only
	 * emit text beyond what was published.
	 */
	resume(published: ReadonlyMap<string, ReadonlyMap<string, string>>): void {
		for (const [messageId, parts] of published) {
			this.assistantMessages.set(messageId, { completed: false, parts: new Map(parts) });
			for (const partId of parts.keys()) this.resyncParts.add(partId);
		}
	}

	/** Feeds OpenCode's current messages as full-text updates (after `resume`: emits the text missed in between). */
	catchUp(
		messages: { info: { id: string; role: string }; parts: { id: string; type: string; text?: string }[] }[],
	): SessionEventInput[] {
		const out: SessionEventInput[] = [];
		for (const message of messages) {
			const known = this.assistantMessages.get(message.info.id);
			if (message.info.role !== "assistant" || !known || known.completed) continue;
			for (const part of message.parts) {
				if (part.type === "text" && typeof part.text === "string")
					this.appendText(message.info.id, part.id, part.text, out);
			}
		}
		return out;
	}

	private assistant(messageId: string, out: SessionEventInput[]) {
		let message = this.assistantMessages.get(messageId);
		if (!message) {
			message = { completed: false, parts: new Map() };
			this.assistantMessages.set(messageId, message);
			out.push({ type: "message.started", messageId, role: "assistant" });
		}
		return message;
	}

	private appendText(messageId: string, partId: string, text: string, out: SessionEventInput[]) {
		const message = this.assistant(messageId, out);
		const emitted = message.parts.get(partId) ?? "";
		if (text.length > emitted.length && text.startsWith(emitted)) {
			out.push({ type: "message.delta", messageId, partId, delta: text.slice(emitted.length) });
			message.parts.set(partId, text);
		}
	}

	private relative(path: string): string {
		const prefix = `${this.workspaceDir.replace(/\/$/, "")}/`;
		return path.startsWith(prefix) ? path.slice(prefix.length) : path;
	}

	private fileChanged(path: string, change: "added" | "modified" | "deleted", out: SessionEventInput[]) {
		const relativePath = this.relative(path);
		if (this.recentFiles.get(relativePath) === change) return;
		this.recentFiles.set(relativePath, change);
		out.push({ type: "file.changed", path: relativePath, change });
	}

	private setStatus(status: "running" | "idle", out: SessionEventInput[], message?: string) {
		if (this.status === status && !message) return;
		this.status = status;
		if (status === "running") this.recentFiles.clear();
		out.push({ type: "session.status", status, ...(message ? { message } : {}) });
	}

	/** Marks every open assistant message completed (turn ended, aborted or failed). */
	private completeOpenMessages(out: SessionEventInput[], finishReason: Finish, error?: string) {
		for (const [messageId, message] of this.assistantMessages) {
			if (message.completed) continue;
			message.completed = true;
			out.push({
				type: "message.completed",
				messageId,
				text: [...message.parts.values()].join(""),
				finishReason,
				...(error ? { error } : {}),
			});
		}
	}

	map(event: OpencodeEvent): SessionEventInput[] {
		const out: SessionEventInput[] = [];
		const properties = event.properties as { sessionID?: string };
		if (properties.sessionID !== undefined && properties.sessionID !== this.opencodeSessionId) return out;
		switch (event.type) {
			case "message.updated": {
				const info = event.properties.info;
				if (info.role === "user") {
					this.userMessages.add(info.id);
					break;
				}
				const message = this.assistant(info.id, out);
				const error =
					"error" in info
						? (info.error as { name?: string; data?: { message?: string } } | undefined)
						: undefined;
				const completed = Boolean(info.time.completed) || error !== undefined;
				if (completed && !message.completed) {
					message.completed = true;
					const aborted = isAbort(error);
					out.push({
						type: "message.completed",
						messageId: info.id,
						text: [...message.parts.values()].join(""),
						finishReason: aborted ? "aborted" : error ? "error" : (toFinish(info.finish) ?? "stop"),
						...(error && !aborted ? { error: errorText(error) } : {}),
					});
				}
				break;
			}
			case "message.part.delta": {
				const { messageID, partID, field, delta } = event.properties;
				if (field !== "text" || this.userMessages.has(messageID) || this.resyncParts.has(partID)) break;
				const message = this.assistant(messageID, out);
				const emitted = message.parts.get(partID) ?? "";
				message.parts.set(partID, emitted + delta);
				out.push({ type: "message.delta", messageId: messageID, partId: partID, delta });
				break;
			}
			case "message.part.updated": {
				const part = event.properties.part;
				if (this.userMessages.has(part.messageID)) break;
				if (part.type === "text") this.appendText(part.messageID, part.id, part.text, out);
				if (part.type === "tool") this.mapTool(part, out);
				break;
			}
			case "file.edited":
				this.fileChanged(event.properties.file, "modified", out);
				break;
			case "file.watcher.updated": {
				const change =
					event.properties.event === "add"
						? "added"
						: event.properties.event === "unlink"
							? "deleted"
							: "modified";
				this.fileChanged(event.properties.file, change, out);
				break;
			}
			case "session.status": {
				const status = event.properties.status;
				if (status.type === "busy") this.setStatus("running", out);
				else if (status.type === "idle") this.setStatus("idle", out);
				else if (status.type === "retry") {
					this.setStatus(
						"running",
						out,
						`The model request failed (${status.message}); retrying, attempt ${status.attempt}`,
					);
				}
				break;
			}
			case "session.idle":
				this.completeOpenMessages(out, "stop");
				this.setStatus("idle", out);
				break;
			case "session.error": {
				const error = event.properties.error as { name?: string; data?: { message?: string } } | undefined;
				if (isAbort(error)) {
					this.completeOpenMessages(out, "aborted");
				} else if (error) {
					this.completeOpenMessages(out, "error", errorText(error));
					out.push({ type: "error", code: error.name ?? "AGENT_ERROR", message: errorText(error) });
				}
				break;
			}
			default:
				break;
		}
		return out;
	}

	private mapTool(
		part: Extract<
			Extract<OpencodeEvent, { type: "message.part.updated" }>["properties"]["part"],
			{ type: "tool" }
		>,
		out: SessionEventInput[],
	) {
		const state = this.tools.get(part.callID) ?? {
			started: false,
			completed: false,
			lastInput: "",
			lastOutput: "",
		};
		this.tools.set(part.callID, state);
		const input = part.state.input as Record<string, unknown>;
		const inputText = JSON.stringify(input ?? {});
		this.assistant(part.messageID, out);
		if (!state.started) {
			state.started = true;
			state.lastInput = inputText;
			out.push({
				type: "tool.started",
				messageId: part.messageID,
				toolCallId: part.callID,
				tool: part.tool,
				input,
			});
		}
		if (state.completed) return;
		if (part.state.status === "running") {
			const title = part.state.title;
			const metadata = part.state.metadata as { output?: unknown } | undefined;
			const output = typeof metadata?.output === "string" ? metadata.output : undefined;
			if (
				inputText !== state.lastInput ||
				(title && title !== state.title) ||
				(output && output !== state.lastOutput)
			) {
				state.lastInput = inputText;
				state.title = title ?? state.title;
				state.lastOutput = output ?? state.lastOutput;
				out.push({
					type: "tool.updated",
					toolCallId: part.callID,
					tool: part.tool,
					input,
					...(title ? { title } : {}),
					...(output ? { output } : {}),
				});
			}
		}
		if (part.state.status === "completed" || part.state.status === "error") {
			state.completed = true;
			const { time } = part.state;
			const durationMs = time.end !== undefined ? Math.max(0, time.end - time.start) : undefined;
			const exitCode = part.state.status === "completed" ? commandExitCode(part.state.metadata) : undefined;
			out.push({
				type: "tool.completed",
				toolCallId: part.callID,
				tool: part.tool,
				status:
					part.state.status === "error"
						? "error"
						: exitCode !== undefined && exitCode !== 0
							? "failed"
							: "completed",
				...(part.state.status === "completed"
					? { output: part.state.output, title: part.state.title }
					: { error: part.state.error }),
				...(exitCode !== undefined ? { exitCode } : {}),
				...(durationMs !== undefined ? { durationMs } : {}),
			});
		}
	}
}
