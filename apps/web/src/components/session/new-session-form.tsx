"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { AddRepoDialog } from "@/components/repos/add-repo-dialog";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { orpc } from "@/lib/orpc";

const selectClass = "h-9 w-full rounded-md border border-input bg-background px-2 text-sm";

/** Starts a session: repository, branch, model and an optional first prompt. */
export function NewSessionForm({ initialRepoId }: { initialRepoId?: string | undefined }) {
	const router = useRouter();
	const repos = useQuery(orpc.repos.list.queryOptions({ input: {} }));
	const models = useQuery(orpc.models.list.queryOptions());
	const [repoId, setRepoId] = useState(initialRepoId ?? "");
	const [branch, setBranch] = useState("");
	const [modelId, setModelId] = useState("");
	const [prompt, setPrompt] = useState("");
	const create = useMutation(
		orpc.sessions.create.mutationOptions({ onSuccess: (session) => router.push(`/sessions/${session.id}`) }),
	);
	const repo = repos.data?.find((candidate) => candidate.id === repoId);

	useEffect(() => {
		if (!repoId && repos.data?.[0]) setRepoId(repos.data[0].id);
	}, [repoId, repos.data]);
	useEffect(() => {
		if (!modelId && models.data) setModelId(models.data.find((model) => model.isDefault)?.id ?? "");
	}, [modelId, models.data]);

	if (repos.data && repos.data.length === 0) {
		return (
			<div className="flex flex-col items-center gap-3 rounded-lg border border-border border-dashed p-10 text-center text-sm">
				Add a repository first; sessions work on one.
				<AddRepoDialog />
			</div>
		);
	}

	return (
		<form
			className="max-w-2xl space-y-5"
			onSubmit={(event) => {
				event.preventDefault();
				if (!repoId) return;
				create.mutate({
					repoId,
					...(branch.trim() ? { branch: branch.trim() } : {}),
					...(modelId ? { modelId } : {}),
					...(prompt.trim() ? { initialPrompt: prompt.trim() } : {}),
				});
			}}
		>
			<div className="grid gap-4 sm:grid-cols-2">
				<div className="space-y-1.5">
					<Label htmlFor="session-repo">Repository</Label>
					<select
						id="session-repo"
						data-testid="session-repo"
						className={selectClass}
						value={repoId}
						onChange={(event) => setRepoId(event.target.value)}
					>
						{repos.data?.map((candidate) => (
							<option key={candidate.id} value={candidate.id}>
								{candidate.name}
							</option>
						))}
					</select>
				</div>
				<div className="space-y-1.5">
					<Label htmlFor="session-branch">Branch</Label>
					<Input
						id="session-branch"
						placeholder={repo ? `${repo.defaultBranch} (default)` : "default branch"}
						value={branch}
						onChange={(event) => setBranch(event.target.value)}
					/>
				</div>
			</div>
			<div className="space-y-1.5">
				<Label htmlFor="session-model">Model</Label>
				<select
					id="session-model"
					data-testid="session-model"
					className={selectClass}
					value={modelId}
					onChange={(event) => setModelId(event.target.value)}
				>
					{models.data?.map((model) => (
						<option key={model.id} value={model.id}>
							{model.label}
							{model.isDefault ? " (default)" : ""}
						</option>
					))}
				</select>
				{models.data?.length === 1 && models.data[0]?.provider === "scripted" ? (
					<p className="text-muted-foreground text-xs">
						No model provider key is configured, so sessions use the built-in scripted demo model.
					</p>
				) : null}
			</div>
			<div className="space-y-1.5">
				<Label htmlFor="session-prompt">First prompt (optional)</Label>
				<textarea
					id="session-prompt"
					data-testid="session-prompt"
					rows={5}
					value={prompt}
					onChange={(event) => setPrompt(event.target.value)}
					placeholder="What should the agent do?"
					className="w-full resize-y rounded-md border border-input bg-background px-3 py-2 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring"
				/>
			</div>
			{create.error ? (
				<p className="text-destructive text-sm" data-testid="create-session-error">
					{create.error.message}
				</p>
			) : null}
			<div className="flex gap-2">
				<Button type="submit" disabled={!repoId || create.isPending} data-testid="start-session">
					{create.isPending ? <Loader2 className="animate-spin" /> : null}
					Start session
				</Button>
				<Button variant="ghost" asChild>
					<Link href="/sessions">Cancel</Link>
				</Button>
			</div>
		</form>
	);
}
