"use client";

import type { sessions } from "@proliferate/services";
import type { SessionRuntimeStatus } from "@proliferate/shared/events";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Camera, Check, GitBranch, Loader2, Pause, Pencil, Play, Trash2, X } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { orpc } from "@/lib/orpc";
import { statusLabels, statusTone } from "./status-banner";

/** Title (renamable), sandbox status, repository and branch, and the lifecycle actions. */
export function SessionHeader({
	session,
	repoName,
	status,
	onResume,
	resuming,
}: {
	session: sessions.Session;
	repoName: string | null;
	status: SessionRuntimeStatus | null;
	onResume: () => void;
	resuming: boolean;
}) {
	const queryClient = useQueryClient();
	const router = useRouter();
	const [editing, setEditing] = useState(false);
	const [title, setTitle] = useState(session.title);
	const [notice, setNotice] = useState<string | null>(null);
	const invalidate = () => queryClient.invalidateQueries({ queryKey: orpc.sessions.key() });
	const rename = useMutation(orpc.sessions.rename.mutationOptions({ onSuccess: invalidate }));
	const pause = useMutation(orpc.sessions.pause.mutationOptions({ onSuccess: invalidate }));
	const snapshot = useMutation(
		orpc.sessions.snapshot.mutationOptions({ onSuccess: () => setNotice("Snapshot saved") }),
	);
	const remove = useMutation(
		orpc.sessions.delete.mutationOptions({
			onSuccess: async () => {
				await invalidate();
				router.push("/sessions");
			},
		}),
	);
	const running = status === "running" || status === "idle";
	const resumable = status === "paused" || status === "stopped" || status === "failed";
	const error = rename.error ?? pause.error ?? snapshot.error ?? remove.error;

	return (
		<header className="border-border border-b bg-background px-3 py-2 sm:px-4">
			<div className="flex min-w-0 items-center gap-2">
				<Button variant="ghost" size="icon" asChild aria-label="All sessions">
					<Link href="/sessions">
						<ArrowLeft className="size-4" />
					</Link>
				</Button>
				{editing ? (
					<form
						className="flex min-w-0 flex-1 items-center gap-1"
						onSubmit={(event) => {
							event.preventDefault();
							if (title.trim())
								rename.mutate(
									{ sessionId: session.id, title: title.trim() },
									{ onSuccess: () => setEditing(false) },
								);
						}}
					>
						<Input
							autoFocus
							aria-label="Session title"
							value={title}
							onChange={(event) => setTitle(event.target.value)}
							className="h-8 min-w-0 flex-1"
						/>
						<Button
							type="submit"
							size="icon"
							variant="ghost"
							aria-label="Save title"
							disabled={rename.isPending}
						>
							<Check className="size-4" />
						</Button>
						<Button
							type="button"
							size="icon"
							variant="ghost"
							aria-label="Cancel"
							onClick={() => setEditing(false)}
						>
							<X className="size-4" />
						</Button>
					</form>
				) : (
					<div className="flex min-w-0 flex-1 items-center gap-1">
						<h1 className="min-w-0 truncate font-semibold text-sm sm:text-base" data-testid="session-title">
							{session.title}
						</h1>
						<Button
							variant="ghost"
							size="icon"
							aria-label="Rename"
							className="size-7 shrink-0"
							onClick={() => {
								setTitle(session.title);
								setEditing(true);
							}}
						>
							<Pencil className="size-3.5" />
						</Button>
					</div>
				)}
				<span
					data-testid="session-status"
					data-status={status ?? session.status}
					className={`shrink-0 rounded-full px-2 py-0.5 font-medium text-xs ${statusTone(status)}`}
				>
					{statusLabels[status ?? session.status]}
				</span>
				<div className="flex shrink-0 items-center gap-1">
					{running ? (
						<>
							<Button
								variant="ghost"
								size="icon"
								aria-label="Save a snapshot"
								title="Save a snapshot"
								disabled={snapshot.isPending}
								onClick={() => snapshot.mutate({ sessionId: session.id })}
							>
								{snapshot.isPending ? (
									<Loader2 className="size-4 animate-spin" />
								) : (
									<Camera className="size-4" />
								)}
							</Button>
							<Button
								variant="ghost"
								size="icon"
								aria-label="Pause"
								title="Pause"
								disabled={pause.isPending}
								onClick={() => pause.mutate({ sessionId: session.id })}
							>
								{pause.isPending ? <Loader2 className="size-4 animate-spin" /> : <Pause className="size-4" />}
							</Button>
						</>
					) : null}
					{resumable ? (
						<Button
							variant="ghost"
							size="icon"
							aria-label="Resume"
							title="Resume"
							disabled={resuming}
							onClick={onResume}
						>
							{resuming ? <Loader2 className="size-4 animate-spin" /> : <Play className="size-4" />}
						</Button>
					) : null}
					<ConfirmDialog
						trigger={
							<Button variant="ghost" size="icon" aria-label="Delete session" title="Delete">
								<Trash2 className="size-4" />
							</Button>
						}
						title="Delete this session?"
						description="The sandbox stops and the session is removed. Changes that were not pushed are lost."
						confirmLabel="Delete session"
						destructive
						onConfirm={() => remove.mutateAsync({ sessionId: session.id })}
					/>
				</div>
			</div>
			<div className="mt-1 flex min-w-0 items-center gap-2 pl-10 text-muted-foreground text-xs">
				{repoName ? <span className="min-w-0 truncate">{repoName}</span> : null}
				{session.branch ? (
					<span className="flex shrink-0 items-center gap-1 font-mono">
						<GitBranch className="size-3" />
						{session.branch}
					</span>
				) : null}
				{notice ? <span className="shrink-0 text-primary">{notice}</span> : null}
				{error ? <span className="min-w-0 truncate text-destructive">{error.message}</span> : null}
			</div>
		</header>
	);
}
