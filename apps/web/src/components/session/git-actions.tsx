"use client";

import type { SessionStream } from "@proliferate/gateway-clients";
import { GitBranch, GitCommitHorizontal, GitPullRequest, Loader2, Upload } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

type GitAction = "branch" | "commit" | "pr";

const actionCopy: Record<GitAction, { label: string; placeholder: string }> = {
	branch: { label: "Create branch", placeholder: "feature/my-change" },
	commit: { label: "Commit", placeholder: "Describe the change" },
	pr: { label: "Open pull request", placeholder: "Pull request title" },
};

/** Git operations on the sandbox's checkout, through the stream (results also arrive as git.result events). */
export function GitActions({
	stream,
	ready,
	lastResult,
}: {
	stream: SessionStream | null;
	ready: boolean;
	lastResult?: { success: boolean; message: string; prUrl?: string } | undefined;
}) {
	const [action, setAction] = useState<GitAction | null>(null);
	const [value, setValue] = useState("");
	const [pending, setPending] = useState<string | null>(null);
	const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);

	async function run(name: string, work: () => Promise<unknown>) {
		setPending(name);
		setOutcome(null);
		try {
			await work();
			setOutcome({ ok: true, message: `${name}: done` });
			setAction(null);
			setValue("");
		} catch (error) {
			setOutcome({ ok: false, message: error instanceof Error ? error.message : `${name} failed` });
		} finally {
			setPending(null);
		}
	}

	function submit() {
		const text = value.trim();
		if (!stream || !action || !text) return;
		if (action === "branch") void run("Create branch", () => stream.git.createBranch(text));
		if (action === "commit") void run("Commit", () => stream.git.commit(text, { includeUntracked: true }));
		if (action === "pr") void run("Pull request", () => stream.git.createPullRequest({ title: text }));
	}

	const disabled = !ready || !stream || pending !== null;
	const shown = outcome ?? (lastResult ? { ok: lastResult.success, message: lastResult.message } : null);
	return (
		<div className="border-border border-b px-3 py-2" data-testid="git-actions">
			<div className="flex flex-wrap items-center gap-1">
				<Button
					size="sm"
					variant="outline"
					disabled={disabled}
					onClick={() => setAction(action === "branch" ? null : "branch")}
				>
					<GitBranch className="size-3.5" /> Branch
				</Button>
				<Button
					size="sm"
					variant="outline"
					disabled={disabled}
					onClick={() => setAction(action === "commit" ? null : "commit")}
				>
					<GitCommitHorizontal className="size-3.5" /> Commit
				</Button>
				<Button
					size="sm"
					variant="outline"
					disabled={disabled}
					onClick={() => stream && void run("Push", () => stream.git.push())}
				>
					{pending === "Push" ? (
						<Loader2 className="size-3.5 animate-spin" />
					) : (
						<Upload className="size-3.5" />
					)}{" "}
					Push
				</Button>
				<Button
					size="sm"
					variant="outline"
					disabled={disabled}
					onClick={() => setAction(action === "pr" ? null : "pr")}
				>
					<GitPullRequest className="size-3.5" /> Pull request
				</Button>
			</div>
			{action ? (
				<form
					className="mt-2 flex items-center gap-2"
					onSubmit={(event) => {
						event.preventDefault();
						submit();
					}}
				>
					<Input
						autoFocus
						aria-label={actionCopy[action].label}
						placeholder={actionCopy[action].placeholder}
						value={value}
						onChange={(event) => setValue(event.target.value)}
						className="h-8 min-w-0 flex-1 text-xs"
					/>
					<Button type="submit" size="sm" disabled={disabled || !value.trim()}>
						{pending ? <Loader2 className="size-3.5 animate-spin" /> : null}
						{actionCopy[action].label}
					</Button>
				</form>
			) : null}
			{shown ? (
				<div className={`mt-1 text-xs ${shown.ok ? "text-muted-foreground" : "text-destructive"}`}>
					{shown.message}
					{lastResult?.prUrl ? (
						<a
							className="ml-1 text-primary underline"
							href={lastResult.prUrl}
							target="_blank"
							rel="noreferrer"
						>
							View pull request
						</a>
					) : null}
				</div>
			) : null}
		</div>
	);
}
