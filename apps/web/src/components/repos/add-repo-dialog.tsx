"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, Lock, Plug, Plus } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
	Dialog,
	DialogContent,
	DialogDescription,
	DialogFooter,
	DialogHeader,
	DialogTitle,
	DialogTrigger,
} from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { orpc } from "@/lib/orpc";

type SourceKind = "git_url" | "local_path" | "github";

const sourceCopy: Record<SourceKind, { label: string; field: string; placeholder: string; help: string }> = {
	git_url: {
		label: "Git URL",
		field: "Clone URL",
		placeholder: "https://github.com/acme/web.git",
		help: "HTTPS or SSH. The default branch is read from the repository.",
	},
	local_path: {
		label: "Local path",
		field: "Absolute path on this server",
		placeholder: "/srv/repos/my-app",
		help: "Self-hosted mode: a git repository on the machine that runs the sandboxes.",
	},
	github: {
		label: "GitHub",
		field: "Repository",
		placeholder: "Filter, or type owner/name",
		help: "Private repositories are cloned into sessions with a short-lived token from the connection.",
	},
};

/** The GitHub tab without a connection: say so, and send owners and admins to connect one. */
function GithubNotConnected({ canConnect }: { canConnect: boolean }) {
	return (
		<div className="space-y-3" data-testid="repo-github-not-connected">
			<Alert>
				<Plug />
				<AlertTitle>GitHub is not connected</AlertTitle>
				<AlertDescription>
					{canConnect
						? "Connect a GitHub account or app installation for this organization to import its repositories, private ones included."
						: "Ask an owner or admin of this organization to connect GitHub in Settings → Integrations."}
				</AlertDescription>
			</Alert>
			{canConnect ? (
				<Button asChild variant="outline" className="w-full">
					<Link href="/settings/integrations" data-testid="repo-github-connect">
						Connect GitHub in Settings → Integrations
					</Link>
				</Button>
			) : null}
		</div>
	);
}

/** Adds a repository from a git URL, a local path (self-hosted) or the organization's GitHub connection. */
export function AddRepoDialog({ trigger }: { trigger?: ReactNode }) {
	const queryClient = useQueryClient();
	const sources = useQuery(orpc.repos.sources.queryOptions());
	const [open, setOpen] = useState(false);
	const [kind, setKind] = useState<SourceKind>("git_url");
	const [value, setValue] = useState("");
	const [name, setName] = useState("");
	const add = useMutation(
		orpc.repos.add.mutationOptions({
			onSuccess: async () => {
				await queryClient.invalidateQueries({ queryKey: orpc.repos.key() });
				setOpen(false);
				setValue("");
				setName("");
			},
		}),
	);
	const github = sources.data?.github;
	// Fetched once when the tab opens and filtered here (every keystroke would page through GitHub again).
	const githubRepos = useQuery(
		orpc.repos.github.queryOptions({
			input: {},
			enabled: open && kind === "github" && Boolean(github?.connected),
			staleTime: 60_000,
		}),
	);
	const kinds: SourceKind[] = [
		"git_url",
		...(sources.data?.localPaths ? (["local_path"] as const) : []),
		...(sources.data ? (["github"] as const) : []),
	];
	const copy = sourceCopy[kind];
	const filter = value.trim().toLowerCase();
	const matching = (githubRepos.data ?? []).filter(
		(repository) => !filter || repository.fullName.toLowerCase().includes(filter),
	);
	const githubUnavailable = kind === "github" && !github?.connected;

	function submit() {
		const text = value.trim();
		if (!text) return;
		const source =
			kind === "git_url"
				? { kind, url: text }
				: kind === "local_path"
					? { kind, path: text }
					: { kind, fullName: text };
		add.mutate({ source, ...(name.trim() ? { name: name.trim() } : {}) });
	}

	return (
		<Dialog
			open={open}
			onOpenChange={(next) => {
				setOpen(next);
				if (!next) add.reset();
			}}
		>
			<DialogTrigger asChild>
				{trigger ?? (
					<Button data-testid="add-repo-button">
						<Plus /> Add repository
					</Button>
				)}
			</DialogTrigger>
			<DialogContent>
				<DialogHeader>
					<DialogTitle>Add a repository</DialogTitle>
					<DialogDescription>Sessions clone it into their sandbox.</DialogDescription>
				</DialogHeader>
				<form
					className="space-y-4"
					onSubmit={(event) => {
						event.preventDefault();
						submit();
					}}
				>
					{kinds.length > 1 ? (
						<fieldset className="flex gap-1 rounded-md border border-border p-1">
							<legend className="sr-only">Source</legend>
							{kinds.map((option) => (
								<button
									key={option}
									type="button"
									aria-pressed={kind === option}
									data-testid={`repo-source-${option}`}
									onClick={() => {
										if (option !== kind) setValue("");
										setKind(option);
										add.reset();
									}}
									className={`flex-1 rounded px-2 py-1 text-sm ${kind === option ? "bg-accent text-accent-foreground" : "text-muted-foreground"}`}
								>
									{sourceCopy[option].label}
								</button>
							))}
						</fieldset>
					) : null}
					{githubUnavailable ? (
						<GithubNotConnected canConnect={Boolean(github?.canConnect)} />
					) : (
						<>
							<div className="space-y-1.5">
								<Label htmlFor="repo-source">{copy.field}</Label>
								<Input
									id="repo-source"
									data-testid="repo-source-input"
									autoFocus
									autoComplete="off"
									placeholder={copy.placeholder}
									value={value}
									onChange={(event) => setValue(event.target.value)}
								/>
								{kind === "github" ? (
									<p className="text-muted-foreground text-xs">
										Through the organization's GitHub connection
										{github && github.accounts.length > 1 ? "s" : ""} ({github?.accounts.join(", ")}).{" "}
										{copy.help}
									</p>
								) : (
									<p className="text-muted-foreground text-xs">{copy.help}</p>
								)}
								{kind === "github" && githubRepos.isPending ? (
									<p className="flex items-center gap-2 text-muted-foreground text-xs">
										<Loader2 className="size-3 animate-spin" /> Loading the repositories GitHub shows the
										connection…
									</p>
								) : null}
								{kind === "github" && githubRepos.data ? (
									matching.length > 0 ? (
										<ul
											className="max-h-48 overflow-y-auto rounded-md border border-border"
											aria-label="Repositories on GitHub"
											data-testid="repo-github-list"
										>
											{matching.slice(0, 50).map((repository) => (
												<li key={repository.fullName}>
													<button
														type="button"
														disabled={repository.added}
														aria-pressed={value === repository.fullName}
														data-testid="repo-github-option"
														onClick={() => setValue(repository.fullName)}
														className="flex w-full items-center gap-2 px-3 py-1.5 text-left text-sm hover:bg-accent/50 disabled:opacity-50 aria-pressed:bg-accent aria-pressed:text-accent-foreground"
													>
														<span className="min-w-0 flex-1 truncate">{repository.fullName}</span>
														{repository.private ? (
															<Lock className="size-3 shrink-0 text-muted-foreground" aria-label="private" />
														) : null}
														<span className="shrink-0 text-muted-foreground text-xs">
															{repository.added ? "added" : repository.defaultBranch}
														</span>
													</button>
												</li>
											))}
										</ul>
									) : (
										<p className="text-muted-foreground text-xs">
											{filter
												? "No repository of the connection matches; an exact owner/name is still looked up."
												: "The connection sees no repositories."}
										</p>
									)
								) : null}
								{kind === "github" && githubRepos.error ? (
									<p className="text-destructive text-xs">{githubRepos.error.message}</p>
								) : null}
							</div>
							<div className="space-y-1.5">
								<Label htmlFor="repo-name">Name (optional)</Label>
								<Input
									id="repo-name"
									placeholder={kind === "github" ? "Defaults to owner/name" : "Derived from the URL or path"}
									value={name}
									onChange={(event) => setName(event.target.value)}
								/>
							</div>
						</>
					)}
					{add.error ? (
						<p className="text-destructive text-sm" data-testid="add-repo-error">
							{add.error.message}
						</p>
					) : null}
					{githubUnavailable ? null : (
						<DialogFooter>
							<Button type="submit" disabled={add.isPending || !value.trim()} data-testid="add-repo-submit">
								{add.isPending ? <Loader2 className="animate-spin" /> : null}
								{add.isPending ? "Checking the repository…" : "Add repository"}
							</Button>
						</DialogFooter>
					)}
				</form>
			</DialogContent>
		</Dialog>
	);
}
