"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FolderGit2, GitBranch, Play, Search, Trash2 } from "lucide-react";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { orpc } from "@/lib/orpc";
import { AddRepoDialog } from "./add-repo-dialog";

const sourceLabels = { git_url: "Git URL", local_path: "Local path", github: "GitHub" } as const;

/** The organization's repositories: search, start a session on one, delete. */
export function RepoList() {
	const queryClient = useQueryClient();
	const [search, setSearch] = useState("");
	const deferredSearch = useDeferredValue(search.trim());
	const repos = useQuery(
		orpc.repos.list.queryOptions({ input: deferredSearch ? { search: deferredSearch } : {} }),
	);
	const remove = useMutation(
		orpc.repos.delete.mutationOptions({
			onSuccess: () => queryClient.invalidateQueries({ queryKey: orpc.repos.key() }),
		}),
	);

	return (
		<div className="space-y-4">
			<div className="relative">
				<Search className="absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
				<Input
					aria-label="Search repositories"
					placeholder="Search repositories"
					value={search}
					onChange={(event) => setSearch(event.target.value)}
					className="pl-9"
				/>
			</div>
			{repos.error ? <p className="text-destructive text-sm">{repos.error.message}</p> : null}
			{remove.error ? <p className="text-destructive text-sm">{remove.error.message}</p> : null}
			{repos.data && repos.data.length === 0 ? (
				<div className="flex flex-col items-center gap-3 rounded-lg border border-border border-dashed p-10 text-center">
					<FolderGit2 className="size-8 text-muted-foreground" />
					<div className="text-sm">{deferredSearch ? "No repository matches." : "No repositories yet."}</div>
					{deferredSearch ? null : <AddRepoDialog />}
				</div>
			) : null}
			<ul
				className={`divide-y divide-border rounded-lg border border-border ${repos.data?.length ? "" : "hidden"}`}
				data-testid="repo-list"
			>
				{repos.data?.map((repo) => (
					<li key={repo.id} className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid="repo-row">
						<FolderGit2 className="size-5 shrink-0 text-muted-foreground" />
						<div className="min-w-0 flex-1 basis-48">
							<div className="truncate font-medium text-sm">{repo.name}</div>
							<div className="flex min-w-0 items-center gap-2 text-muted-foreground text-xs">
								<span className="shrink-0">{sourceLabels[repo.sourceKind]}</span>
								<span className="flex shrink-0 items-center gap-1 font-mono">
									<GitBranch className="size-3" />
									{repo.defaultBranch}
								</span>
								<span className="min-w-0 truncate font-mono">{repo.url}</span>
							</div>
						</div>
						<div className="flex shrink-0 items-center gap-1">
							<Button size="sm" variant="outline" asChild>
								<Link href={`/sessions/new?repoId=${repo.id}`}>
									<Play /> New session
								</Link>
							</Button>
							<ConfirmDialog
								trigger={
									<Button size="icon" variant="ghost" aria-label={`Delete ${repo.name}`}>
										<Trash2 />
									</Button>
								}
								title={`Delete ${repo.name}?`}
								description="Its sessions stay, without a repository link. The repository itself is not touched."
								confirmLabel="Delete"
								destructive
								onConfirm={() => remove.mutateAsync({ repoId: repo.id })}
							/>
						</div>
					</li>
				))}
			</ul>
		</div>
	);
}
