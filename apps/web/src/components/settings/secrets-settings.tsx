"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon, Trash2Icon } from "lucide-react";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";
import { SecretsImportDialog } from "./secrets-import";

/** The organization's secrets: keys, scope, description, who changed them and when (never values). */
export function SecretsSettings() {
	const queryClient = useQueryClient();
	const me = useQuery(orpc.account.me.queryOptions());
	const list = useQuery(orpc.secrets.list.queryOptions({ input: {} }));
	const repos = useQuery(orpc.repos.list.queryOptions({ input: {} }));
	const bundles = useQuery(orpc.secrets.bundles.list.queryOptions());
	const canManage = me.data?.role === "owner" || me.data?.role === "admin";
	const [draft, setDraft] = useState({ key: "", value: "", description: "", scope: "organization" });
	const refresh = () => queryClient.invalidateQueries({ queryKey: orpc.secrets.list.key() });
	const create = useMutation(
		orpc.secrets.create.mutationOptions({
			onSuccess: async () => {
				toast.success("Secret saved");
				setDraft({ key: "", value: "", description: "", scope: draft.scope });
				await refresh();
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	const remove = useMutation(
		orpc.secrets.delete.mutationOptions({
			onSuccess: refresh,
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	const scopeLabel = (scope: NonNullable<typeof list.data>[number]["scope"]) => {
		if (scope.kind === "organization") return "Organization";
		if (scope.kind === "repository")
			return repos.data?.find((repo) => repo.id === scope.repoId)?.name ?? "Repository";
		return `Bundle ${bundles.data?.find((bundle) => bundle.id === scope.bundleId)?.name ?? ""}`;
	};
	const scopeOf = (value: string) =>
		value === "organization"
			? ({ kind: "organization" } as const)
			: value.startsWith("bundle:")
				? ({ kind: "bundle", bundleId: value.slice(7) } as const)
				: ({ kind: "repository", repoId: value.slice(5) } as const);

	return (
		<div className="space-y-6">
			<Card>
				<CardHeader className="flex flex-row items-start justify-between gap-4">
					<div>
						<CardTitle>Secrets</CardTitle>
						<CardDescription>
							A session gets the organization's secrets, then its repository's bundles in order, then the
							repository's own secrets; the later one wins a key.
						</CardDescription>
					</div>
					{canManage ? <SecretsImportDialog scope={{ kind: "organization" }} /> : null}
				</CardHeader>
				<CardContent>
					{list.isPending ? (
						<Skeleton className="h-24 w-full" />
					) : list.data?.length ? (
						<table className="w-full text-sm" data-testid="secrets-table">
							<thead className="text-left text-muted-foreground text-xs">
								<tr>
									<th className="py-1.5 font-medium">Key</th>
									<th className="py-1.5 font-medium">Scope</th>
									<th className="py-1.5 font-medium">Description</th>
									<th className="py-1.5 font-medium">Updated</th>
									<th />
								</tr>
							</thead>
							<tbody>
								{list.data.map((secret) => (
									<tr key={secret.id} className="border-t">
										<td className="py-2 font-mono text-xs">{secret.key}</td>
										<td className="py-2">
											<Badge variant="outline">{scopeLabel(secret.scope)}</Badge>
										</td>
										<td className="py-2 text-muted-foreground">{secret.description}</td>
										<td className="py-2 text-muted-foreground text-xs">
											{new Date(secret.updatedAt).toLocaleString()}
											{secret.updatedByName ? ` by ${secret.updatedByName}` : ""}
										</td>
										<td className="py-2 text-right">
											{canManage ? (
												<ConfirmDialog
													trigger={
														<Button variant="ghost" size="icon" aria-label={`Delete ${secret.key}`}>
															<Trash2Icon className="size-4" />
														</Button>
													}
													title={`Delete ${secret.key}?`}
													description="Sessions started from now on will not get it."
													destructive
													confirmLabel="Delete"
													onConfirm={() => remove.mutateAsync({ secretId: secret.id })}
												/>
											) : null}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					) : (
						<p className="text-muted-foreground text-sm">No secrets yet.</p>
					)}
				</CardContent>
			</Card>
			{canManage ? (
				<Card>
					<CardHeader>
						<CardTitle>Add a secret</CardTitle>
					</CardHeader>
					<CardContent>
						<form
							className="grid gap-2 md:grid-cols-[1fr_1fr_1fr_auto_auto]"
							onSubmit={(event) => {
								event.preventDefault();
								create.mutate({
									scope: scopeOf(draft.scope),
									key: draft.key.trim(),
									value: draft.value,
									description: draft.description,
								});
							}}
						>
							<Input
								aria-label="Key"
								placeholder="DATABASE_URL"
								className="font-mono"
								value={draft.key}
								onChange={(event) => setDraft({ ...draft, key: event.target.value })}
							/>
							<Input
								aria-label="Value"
								type="password"
								autoComplete="off"
								placeholder="value"
								value={draft.value}
								onChange={(event) => setDraft({ ...draft, value: event.target.value })}
							/>
							<Input
								aria-label="Description"
								placeholder="description (optional)"
								value={draft.description}
								onChange={(event) => setDraft({ ...draft, description: event.target.value })}
							/>
							<select
								aria-label="Scope"
								className="h-9 rounded-md border border-input bg-background px-2 text-sm"
								value={draft.scope}
								onChange={(event) => setDraft({ ...draft, scope: event.target.value })}
							>
								<option value="organization">Organization</option>
								{repos.data?.map((repo) => (
									<option key={repo.id} value={`repo:${repo.id}`}>
										{repo.name}
									</option>
								))}
								{bundles.data?.map((bundle) => (
									<option key={bundle.id} value={`bundle:${bundle.id}`}>
										Bundle {bundle.name}
									</option>
								))}
							</select>
							<Button type="submit" disabled={!draft.key.trim() || create.isPending}>
								<PlusIcon className="size-4" /> Add
							</Button>
						</form>
					</CardContent>
				</Card>
			) : null}
		</div>
	);
}
