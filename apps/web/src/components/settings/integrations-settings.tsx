"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { GitPullRequestIcon } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

function ConnectGithubForm() {
	const [token, setToken] = useState("");
	const queryClient = useQueryClient();
	const connect = useMutation(
		orpc.integrations.connectGithubToken.mutationOptions({
			onSuccess: async (connection) => {
				setToken("");
				toast.success(`Connected to GitHub as ${connection.accountLogin}`);
				await queryClient.invalidateQueries({ queryKey: orpc.integrations.list.key() });
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	return (
		<form
			className="grid gap-3"
			onSubmit={(event) => {
				event.preventDefault();
				connect.mutate({ token });
			}}
		>
			<div className="grid gap-2">
				<Label htmlFor="github-token">GitHub token</Label>
				<Input
					id="github-token"
					type="password"
					autoComplete="off"
					value={token}
					onChange={(event) => setToken(event.target.value)}
					placeholder="ghp_… or github_pat_…"
					data-testid="github-token"
					required
				/>
				<p className="text-xs text-muted-foreground">
					A classic token with <code>repo</code> scope, or a fine-grained token with contents and pull
					requests write access. GitHub checks it before it is stored; it is kept encrypted and never shown
					again.
				</p>
			</div>
			<div className="flex justify-end">
				<Button type="submit" disabled={connect.isPending || token.trim().length < 10}>
					{connect.isPending ? "Checking with GitHub…" : "Connect GitHub"}
				</Button>
			</div>
		</form>
	);
}

export function IntegrationsSettings() {
	const queryClient = useQueryClient();
	const me = useQuery(orpc.account.me.queryOptions());
	const connections = useQuery(orpc.integrations.list.queryOptions());
	const remove = useMutation(
		orpc.integrations.remove.mutationOptions({ onError: (error) => toast.error(errorMessage(error)) }),
	);
	if (connections.isPending || me.isPending) return <Skeleton className="h-64 w-full rounded-xl" />;
	const canManage = me.data?.role === "owner" || me.data?.role === "admin";
	const github = (connections.data ?? []).filter((connection) => connection.provider === "github");
	return (
		<Card>
			<CardHeader>
				<CardTitle className="flex items-center gap-2">
					<GitPullRequestIcon className="size-5" /> GitHub
				</CardTitle>
				<CardDescription>
					Repositories are imported through this connection (private ones included), and sessions clone, push
					their branch and open pull requests with it. For a repository, the connection on its owner's account
					acts, else the only connection, else the only token connection.
				</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-4">
				{github.length === 0 ? (
					<p className="text-sm text-muted-foreground" data-testid="github-not-connected">
						Not connected: repositories cannot be imported from GitHub, and the pull request action in
						sessions is unavailable.
					</p>
				) : (
					<div className="grid gap-2">
						{github.map((connection) => (
							<div
								key={connection.id}
								data-testid="connection-row"
								className="flex flex-wrap items-center gap-3 rounded-lg border px-4 py-3"
							>
								<div className="min-w-40 flex-1">
									<div className="truncate text-sm font-medium">{connection.accountLogin}</div>
									<div className="truncate text-xs text-muted-foreground">
										{connection.kind === "github_app" ? "GitHub App installation" : "Token"} ·{" "}
										{connection.apiUrl}
									</div>
								</div>
								<Badge variant="success">connected</Badge>
								{canManage ? (
									<ConfirmDialog
										trigger={
											<Button variant="outline" size="sm" className="text-destructive">
												Disconnect
											</Button>
										}
										title={`Disconnect ${connection.accountLogin}?`}
										description="Sessions can no longer push or open pull requests through it. The token is deleted."
										confirmLabel="Disconnect"
										destructive
										onConfirm={async () => {
											await remove.mutateAsync({ connectionId: connection.id });
											toast.success("Disconnected");
											await queryClient.invalidateQueries({ queryKey: orpc.integrations.list.key() });
										}}
									/>
								) : null}
							</div>
						))}
					</div>
				)}
				{canManage ? (
					<ConnectGithubForm />
				) : (
					<Alert>
						<AlertTitle>Admins manage connections</AlertTitle>
						<AlertDescription>Ask an owner or admin of this organization to connect GitHub.</AlertDescription>
					</Alert>
				)}
			</CardContent>
		</Card>
	);
}
