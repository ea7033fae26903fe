"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlertIcon, CircleCheckIcon, GitPullRequestIcon, XIcon } from "lucide-react";
import { useRouter } from "next/navigation";
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
import { githubAppSetupErrors, githubAppSetupPath, isGithubAppSetupError } from "@/lib/github-app-setup";
import { orpc } from "@/lib/orpc";

/** What GitHub's return to the Setup URL ended with (the route's redirect back to this page). */
export type GithubAppSetupResult = { connectionId: string } | { error: string } | null;

function SetupResult({
	result,
	connections,
}: {
	result: GithubAppSetupResult;
	connections: { id: string; kind: string; accountLogin: string }[];
}) {
	const router = useRouter();
	if (!result) return null;
	const dismiss = () => router.replace("/settings/integrations", { scroll: false });
	const close = (
		<Button
			variant="ghost"
			size="icon"
			className="absolute top-2 right-2 size-7"
			aria-label="Dismiss"
			onClick={dismiss}
		>
			<XIcon className="size-4" />
		</Button>
	);
	if ("connectionId" in result) {
		const connection = connections.find(
			(candidate) => candidate.id === result.connectionId && candidate.kind === "github_app",
		);
		// A stale or hand-made link names no connection of this organization: say nothing.
		if (!connection) return null;
		return (
			<Alert className="border-success/40 bg-success/10 pr-10" data-testid="github-app-connected">
				<CircleCheckIcon className="text-success" />
				<AlertTitle>GitHub App installed on {connection.accountLogin}</AlertTitle>
				<AlertDescription>
					Repositories of {connection.accountLogin} the installation may access can now be imported, and
					sessions push and open pull requests with short-lived installation tokens.
				</AlertDescription>
				{close}
			</Alert>
		);
	}
	const message = isGithubAppSetupError(result.error)
		? githubAppSetupErrors[result.error]
		: githubAppSetupErrors.unexpected;
	// A request waiting for a GitHub organization owner is not a failure of ours: a warning, not an error.
	const pending = result.error === "request";
	return (
		<Alert variant={pending ? "warning" : "destructive"} className="pr-10" data-testid="github-app-error">
			<CircleAlertIcon />
			<AlertTitle>
				{pending ? "Waiting for a GitHub organization owner's approval" : "The GitHub App was not connected"}
			</AlertTitle>
			<AlertDescription>{message}</AlertDescription>
			{close}
		</Alert>
	);
}

function InstallGithubApp() {
	const start = useMutation(
		orpc.integrations.startGithubAppInstall.mutationOptions({
			onSuccess: ({ url }) => window.location.assign(url),
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	// Stays pending while the browser leaves for GitHub.
	const leaving = start.isPending || start.isSuccess;
	return (
		<div
			className="flex flex-wrap items-center gap-3 rounded-lg border px-4 py-3"
			data-testid="github-app-install"
		>
			<div className="min-w-56 flex-1">
				<div className="text-sm font-medium">GitHub App (recommended)</div>
				<p className="text-xs text-muted-foreground">
					Install the App on a GitHub account or organization and choose the repositories it may access.
					Sessions then act with installation tokens that expire after an hour; nobody's personal token is
					involved.
				</p>
			</div>
			<Button onClick={() => start.mutate({})} disabled={leaving}>
				{leaving ? "Opening GitHub…" : "Install the GitHub App"}
			</Button>
		</div>
	);
}

function GithubAppNotConfigured({ missing }: { missing: string[] }) {
	return (
		<Alert data-testid="github-app-not-configured">
			<AlertTitle>GitHub App not configured</AlertTitle>
			<AlertDescription>
				<p>
					To let admins install a GitHub App here instead of pasting a token, an operator sets{" "}
					{missing.map((key, index) => (
						<span key={key}>
							{index > 0 ? (index === missing.length - 1 ? " and " : ", ") : null}
							<code>{key}</code>
						</span>
					))}{" "}
					on the web app (the last two are the App&apos;s own OAuth client). On GitHub, the App enables
					&ldquo;Request user authorization (OAuth) during installation&rdquo; and its callback URL is{" "}
					<code>{githubAppSetupPath}</code> on this deployment, so only installations the installing user can
					access are connected.
				</p>
			</AlertDescription>
		</Alert>
	);
}

function ConnectGithubForm({ withApp }: { withApp: boolean }) {
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
				<Label htmlFor="github-token">{withApp ? "Or connect with a GitHub token" : "GitHub token"}</Label>
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

export function IntegrationsSettings({ setupResult = null }: { setupResult?: GithubAppSetupResult }) {
	const queryClient = useQueryClient();
	const me = useQuery(orpc.account.me.queryOptions());
	const connections = useQuery(orpc.integrations.list.queryOptions());
	const githubApp = useQuery(orpc.integrations.githubApp.queryOptions());
	const remove = useMutation(
		orpc.integrations.remove.mutationOptions({ onError: (error) => toast.error(errorMessage(error)) }),
	);
	if (connections.isPending || me.isPending || githubApp.isPending)
		return <Skeleton className="h-64 w-full rounded-xl" />;
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
				<SetupResult result={setupResult} connections={github} />
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
					<>
						{githubApp.data?.configured ? (
							<InstallGithubApp />
						) : (
							<GithubAppNotConfigured missing={githubApp.data?.missing ?? []} />
						)}
						<ConnectGithubForm withApp={githubApp.data?.configured ?? false} />
					</>
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
