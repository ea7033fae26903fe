"use client";

import type { sessions } from "@proliferate/services";
import { useQuery } from "@tanstack/react-query";
import { GitBranch, MessagesSquare } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { orpc } from "@/lib/orpc";
import { statusLabels, statusTone } from "./status-banner";

type StatusFilter = "all" | "active" | "paused" | "ended";

const filters: { id: StatusFilter; label: string; statuses?: sessions.SessionStatus[] }[] = [
	{ id: "all", label: "All" },
	{ id: "active", label: "Active", statuses: ["starting", "running", "migrating"] },
	{ id: "paused", label: "Paused", statuses: ["paused"] },
	{ id: "ended", label: "Ended", statuses: ["stopped", "failed"] },
];

function relativeTime(iso: string): string {
	const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
	if (seconds < 60) return "just now";
	const minutes = Math.round(seconds / 60);
	if (minutes < 60) return `${minutes} min ago`;
	const hours = Math.round(minutes / 60);
	if (hours < 24) return `${hours} h ago`;
	return new Date(iso).toLocaleDateString();
}

/** The organization's sessions with status, repository and "mine" filters. */
export function SessionList() {
	const [filter, setFilter] = useState<StatusFilter>("all");
	const [repoId, setRepoId] = useState<string>("");
	const [mine, setMine] = useState(false);
	const statuses = filters.find((candidate) => candidate.id === filter)?.statuses;
	const list = useQuery(
		orpc.sessions.list.queryOptions({
			input: { ...(statuses ? { statuses } : {}), ...(repoId ? { repoId } : {}), ...(mine ? { mine } : {}) },
			refetchInterval: 10_000,
		}),
	);
	const repos = useQuery(orpc.repos.list.queryOptions({ input: {} }));
	const repoNames = new Map(repos.data?.map((repo) => [repo.id, repo.name]));

	return (
		<div className="space-y-4">
			<div className="flex flex-wrap items-center gap-2">
				<fieldset className="flex rounded-md border border-border p-0.5">
					<legend className="sr-only">Status</legend>
					{filters.map((option) => (
						<button
							key={option.id}
							type="button"
							aria-pressed={filter === option.id}
							data-testid={`session-filter-${option.id}`}
							onClick={() => setFilter(option.id)}
							className={`rounded px-2.5 py-1 text-sm ${filter === option.id ? "bg-accent text-accent-foreground" : "text-muted-foreground"}`}
						>
							{option.label}
						</button>
					))}
				</fieldset>
				<select
					aria-label="Repository"
					value={repoId}
					onChange={(event) => setRepoId(event.target.value)}
					className="h-9 max-w-full rounded-md border border-input bg-background px-2 text-sm"
				>
					<option value="">All repositories</option>
					{repos.data?.map((repo) => (
						<option key={repo.id} value={repo.id}>
							{repo.name}
						</option>
					))}
				</select>
				<label className="flex items-center gap-2 text-sm">
					<input
						type="checkbox"
						checked={mine}
						onChange={(event) => setMine(event.target.checked)}
						className="size-4 accent-primary"
					/>
					Only mine
				</label>
			</div>
			{list.error ? <p className="text-destructive text-sm">{list.error.message}</p> : null}
			{list.data && list.data.length === 0 ? (
				<div className="flex flex-col items-center gap-3 rounded-lg border border-border border-dashed p-10 text-center">
					<MessagesSquare className="size-8 text-muted-foreground" />
					<div className="text-sm">No sessions{filter === "all" ? " yet" : " match"}.</div>
					<Button asChild>
						<Link href="/sessions/new">Start a session</Link>
					</Button>
				</div>
			) : null}
			<ul
				className={`divide-y divide-border rounded-lg border border-border ${list.data?.length ? "" : "hidden"}`}
				data-testid="session-list"
			>
				{list.data?.map((session) => (
					<li key={session.id}>
						<Link
							href={`/sessions/${session.id}`}
							data-testid="session-row"
							className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 hover:bg-accent/40"
						>
							<div className="min-w-0 flex-1 basis-48">
								<div className="truncate font-medium text-sm">{session.title}</div>
								<div className="flex min-w-0 items-center gap-2 text-muted-foreground text-xs">
									{session.repoId ? (
										<span className="min-w-0 truncate">{repoNames.get(session.repoId) ?? "repository"}</span>
									) : null}
									{session.branch ? (
										<span className="flex shrink-0 items-center gap-1 font-mono">
											<GitBranch className="size-3" />
											{session.branch}
										</span>
									) : null}
									<span className="shrink-0">{relativeTime(session.createdAt)}</span>
								</div>
							</div>
							<span
								className={`shrink-0 rounded-full px-2 py-0.5 font-medium text-xs ${statusTone(session.status)}`}
							>
								{statusLabels[session.status]}
							</span>
						</Link>
					</li>
				))}
			</ul>
		</div>
	);
}
