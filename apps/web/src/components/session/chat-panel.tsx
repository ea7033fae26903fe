"use client";

import type { SessionStream } from "@proliferate/gateway-clients";
import { Loader2, SendHorizontal, Square } from "lucide-react";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import type { TranscriptMessage, TranscriptState } from "@/lib/gateway/transcript";
import { Markdown } from "./markdown";
import { ToolCard } from "./tool-card";

function UserMessage({ message }: { message: TranscriptMessage }) {
	const text = message.parts.map((part) => (part.kind === "text" ? part.text : "")).join("");
	return (
		<div data-testid="user-message" className="flex justify-end">
			<div className="max-w-[85%] whitespace-pre-wrap break-words rounded-lg bg-primary px-3 py-2 text-primary-foreground text-sm">
				{text}
			</div>
		</div>
	);
}

function AssistantMessage({ message }: { message: TranscriptMessage }) {
	const hasText = message.parts.some((part) => part.kind === "text" && part.text);
	return (
		<div data-testid="assistant-message" data-status={message.status} className="min-w-0">
			{message.parts.map((part) =>
				part.kind === "text" ? (
					part.text ? (
						<Markdown key={part.partId} text={part.text} />
					) : null
				) : (
					<ToolCard key={part.toolCallId} part={part} />
				),
			)}
			{!hasText && message.completedText ? <Markdown text={message.completedText} /> : null}
			{message.status === "aborted" ? (
				<div className="mt-1 text-muted-foreground text-xs">Stopped.</div>
			) : null}
			{message.error ? <div className="mt-1 text-destructive text-xs">{message.error}</div> : null}
		</div>
	);
}

/** The conversation: the user's prompts, streamed assistant text and tool cards; a composer with cancel. */
export function ChatPanel({
	transcript,
	stream,
	canPrompt,
	disabledReason,
	onPromptSent,
}: {
	transcript: TranscriptState;
	stream: SessionStream | null;
	canPrompt: boolean;
	disabledReason?: string;
	onPromptSent?: (content: string) => void;
}) {
	const [draft, setDraft] = useState("");
	const [sending, setSending] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const scroller = useRef<HTMLDivElement>(null);
	const stickToBottom = useRef(true);
	const busy = transcript.agentBusy;

	// Follow new content while the reader is at the bottom; leave them alone when they scrolled up.
	useEffect(() => {
		const element = scroller.current;
		if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
	});

	async function send() {
		const content = draft.trim();
		if (!content || !stream) return;
		setSending(true);
		setError(null);
		try {
			await stream.sendPrompt(content);
			onPromptSent?.(content);
			setDraft("");
			stickToBottom.current = true;
		} catch (sendError) {
			setError(sendError instanceof Error ? sendError.message : "Could not send the message");
		} finally {
			setSending(false);
		}
	}

	async function cancel() {
		try {
			await stream?.cancel();
		} catch (cancelError) {
			setError(cancelError instanceof Error ? cancelError.message : "Could not cancel");
		}
	}

	function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
		if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
			event.preventDefault();
			void send();
		}
	}

	return (
		<div className="flex h-full min-h-0 flex-col">
			<div
				ref={scroller}
				data-testid="chat-scroller"
				onScroll={(event) => {
					const element = event.currentTarget;
					stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
				}}
				className="min-h-0 flex-1 space-y-4 overflow-y-auto px-4 py-4"
			>
				{transcript.messages.length === 0 ? (
					<div className="py-12 text-center text-muted-foreground text-sm">
						Ask the agent to do something in this repository.
					</div>
				) : null}
				{transcript.messages.map((message) =>
					message.role === "user" ? (
						<UserMessage key={message.id} message={message} />
					) : (
						<AssistantMessage key={message.id} message={message} />
					),
				)}
				{busy ? (
					<div data-testid="agent-working" className="flex items-center gap-2 text-muted-foreground text-xs">
						<Loader2 className="size-3 animate-spin" /> Working…
					</div>
				) : null}
			</div>
			<div className="border-border border-t bg-background p-3">
				{error ? <div className="mb-2 text-destructive text-xs">{error}</div> : null}
				<div className="flex items-end gap-2">
					<textarea
						data-testid="prompt-input"
						value={draft}
						onChange={(event) => setDraft(event.target.value)}
						onKeyDown={onKeyDown}
						rows={2}
						disabled={!canPrompt}
						placeholder={
							canPrompt ? "Message the agent (Enter to send, Shift+Enter for a new line)" : disabledReason
						}
						className="min-h-[44px] min-w-0 flex-1 resize-none rounded-md border border-input bg-background px-3 py-2 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring disabled:opacity-60"
					/>
					{busy ? (
						<Button
							type="button"
							variant="outline"
							onClick={() => void cancel()}
							data-testid="cancel-button"
							aria-label="Stop the agent"
						>
							<Square className="size-4" /> <span className="hidden sm:inline">Stop</span>
						</Button>
					) : null}
					<Button
						type="button"
						onClick={() => void send()}
						disabled={!canPrompt || sending || !draft.trim()}
						data-testid="send-button"
						aria-label="Send"
					>
						{sending ? <Loader2 className="size-4 animate-spin" /> : <SendHorizontal className="size-4" />}
					</Button>
				</div>
			</div>
		</div>
	);
}
