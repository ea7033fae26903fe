"use client";

import { CheckCircle2, ChevronRight, Loader2, XCircle } from "lucide-react";
import type { MessagePart } from "@/lib/gateway/transcript";
import { useWorkspaceUi } from "./workspace-store";

type ToolPart = Extract<MessagePart, { kind: "tool" }>;

/** A short description of what the tool call does (its command, file or title). */
export function toolSummary(part: ToolPart): string {
	if (part.title) return part.title;
	const input = part.input ?? {};
	for (const key of ["description", "command", "filePath", "path", "pattern", "url"]) {
		const value = input[key];
		if (typeof value === "string" && value) return value;
	}
	return "";
}

function StatusIcon({ status }: { status: ToolPart["status"] }) {
	if (status === "running")
		return <Loader2 className="size-4 shrink-0 animate-spin text-muted-foreground" aria-label="running" />;
	if (status === "error" || status === "failed")
		return <XCircle className="size-4 shrink-0 text-destructive" aria-label="failed" />;
	return <CheckCircle2 className="size-4 shrink-0 text-success" aria-label="completed" />;
}

/** A tool call as a collapsible card: live status, what it does, and its input and output. */
export function ToolCard({ part }: { part: ToolPart }) {
	const expanded = useWorkspaceUi((state) => Boolean(state.expandedTools[part.toolCallId]));
	const toggle = useWorkspaceUi((state) => state.toggleTool);
	const summary = toolSummary(part);
	return (
		<div
			data-testid="tool-card"
			data-tool={part.tool}
			data-status={part.status}
			className="my-2 rounded-md border border-border bg-card text-card-foreground"
		>
			<button
				type="button"
				onClick={() => toggle(part.toolCallId)}
				aria-expanded={expanded}
				className="flex w-full min-w-0 items-center gap-2 px-3 py-2 text-left text-sm hover:bg-accent/50"
			>
				<ChevronRight
					className={`size-4 shrink-0 text-muted-foreground transition-transform ${expanded ? "rotate-90" : ""}`}
				/>
				<StatusIcon status={part.status} />
				<span className="shrink-0 font-medium font-mono text-xs">{part.tool}</span>
				<span className="min-w-0 flex-1 truncate text-muted-foreground text-xs">{summary}</span>
				{part.status === "failed" ? (
					<span
						data-testid="tool-exit-code"
						className="shrink-0 rounded bg-destructive/15 px-1.5 font-mono text-destructive text-xs"
					>
						{part.exitCode !== undefined ? `exit ${part.exitCode}` : "failed"}
					</span>
				) : null}
				{part.durationMs !== undefined ? (
					<span className="shrink-0 text-muted-foreground text-xs">
						{(part.durationMs / 1000).toFixed(1)}s
					</span>
				) : null}
			</button>
			{expanded ? (
				<div className="space-y-2 border-border border-t px-3 py-2">
					{part.input ? (
						<div>
							<div className="mb-1 text-muted-foreground text-xs">Input</div>
							<pre className="max-h-48 overflow-auto rounded bg-muted p-2 font-mono text-xs">
								{JSON.stringify(part.input, null, 2)}
							</pre>
						</div>
					) : null}
					{part.output || part.error ? (
						<div>
							<div className="mb-1 text-muted-foreground text-xs">
								{part.error
									? "Error"
									: part.status === "failed"
										? `Output (failed${part.exitCode !== undefined ? `, exit code ${part.exitCode}` : ""})`
										: "Output"}
							</div>
							<pre
								data-testid="tool-output"
								className={`max-h-64 overflow-auto whitespace-pre-wrap rounded bg-muted p-2 font-mono text-xs ${part.error ? "text-destructive" : ""}`}
							>
								{part.error ?? part.output}
							</pre>
						</div>
					) : part.status === "running" ? (
						<div className="text-muted-foreground text-xs">Running…</div>
					) : null}
				</div>
			) : null}
		</div>
	);
}
