"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, Plus } from "lucide-react";
import { type ReactNode, useState } from "react";
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
		field: "Repository (owner/name)",
		placeholder: "acme/web",
		help: "Imported through your GitHub sign-in (repositories it can see).",
	},
};

/** Adds a repository from a git URL, a local path (self-hosted) or the GitHub connection. */
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
	const githubRepos = useQuery(
		orpc.repos.github.queryOptions({
			input: value.trim() ? { search: value.trim() } : {},
			enabled: open && kind === "github",
		}),
	);
	const kinds: SourceKind[] = [
		"git_url",
		...(sources.data?.localPaths ? (["local_path"] as const) : []),
		...(sources.data?.github ? (["github"] as const) : []),
	];
	const copy = sourceCopy[kind];

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
					<div className="space-y-1.5">
						<Label htmlFor="repo-source">{copy.field}</Label>
						<Input
							id="repo-source"
							data-testid="repo-source-input"
							autoFocus
							placeholder={copy.placeholder}
							value={value}
							onChange={(event) => setValue(event.target.value)}
						/>
						<p className="text-muted-foreground text-xs">{copy.help}</p>
						{kind === "github" && githubRepos.data?.length ? (
							<ul
								className="max-h-40 overflow-y-auto rounded-md border border-border"
								aria-label="Your GitHub repositories"
							>
								{githubRepos.data.slice(0, 20).map((repository) => (
									<li key={repository.fullName}>
										<button
											type="button"
											disabled={repository.added}
											onClick={() => setValue(repository.fullName)}
											className="flex w-full items-center gap-2 px-3 py-1.5 text-left text-sm hover:bg-accent/50 disabled:opacity-50"
										>
											<span className="min-w-0 flex-1 truncate">{repository.fullName}</span>
											<span className="shrink-0 text-muted-foreground text-xs">
												{repository.added ? "added" : repository.defaultBranch}
											</span>
										</button>
									</li>
								))}
							</ul>
						) : null}
						{kind === "github" && githubRepos.error ? (
							<p className="text-destructive text-xs">{githubRepos.error.message}</p>
						) : null}
					</div>
					<div className="space-y-1.5">
						<Label htmlFor="repo-name">Name (optional)</Label>
						<Input
							id="repo-name"
							placeholder="Derived from the URL or path"
							value={name}
							onChange={(event) => setName(event.target.value)}
						/>
					</div>
					{add.error ? (
						<p className="text-destructive text-sm" data-testid="add-repo-error">
							{add.error.message}
						</p>
					) : null}
					<DialogFooter>
						<Button type="submit" disabled={add.isPending || !value.trim()} data-testid="add-repo-submit">
							{add.isPending ? <Loader2 className="animate-spin" /> : null}
							{add.isPending ? "Checking the repository…" : "Add repository"}
						</Button>
					</DialogFooter>
				</form>
			</DialogContent>
		</Dialog>
	);
}
