"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FileDiff, Globe, Images, MessageSquare, SquareTerminal } from "lucide-react";
import { useRouter } from "next/navigation";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { type StreamCredentials, useSessionStream } from "@/lib/gateway/use-session-stream";
import { client, orpc } from "@/lib/orpc";
import { ArtifactsPanel } from "./artifacts-panel";
import { ChatPanel } from "./chat-panel";
import { DiffPanel } from "./diff-panel";
import { EnvRequests } from "./env-requests";
import { GitActions } from "./git-actions";
import { PreviewPanel } from "./preview-panel";
import { SessionHeader } from "./session-header";
import { StatusBanner } from "./status-banner";
import { TerminalPanel } from "./terminal-panel";
import { type MobileView, useWorkspaceUi, type WorkspacePanel } from "./workspace-store";

const panels: { id: WorkspacePanel; label: string; icon: ReactNode }[] = [
	{ id: "diff", label: "Changes", icon: <FileDiff className="size-4" /> },
	{ id: "terminal", label: "Terminal", icon: <SquareTerminal className="size-4" /> },
	{ id: "preview", label: "Preview", icon: <Globe className="size-4" /> },
	{ id: "artifacts", label: "Artifacts", icon: <Images className="size-4" /> },
];

/** The live session: chat on the left, changes / terminal / preview / artifacts on the right (tabs on mobile). */
export function SessionWorkspace({ sessionId }: { sessionId: string }) {
	const queryClient = useQueryClient();
	const router = useRouter();
	const session = useQuery(orpc.sessions.get.queryOptions({ input: { sessionId } }));
	const repos = useQuery(orpc.repos.list.queryOptions({ input: {} }));
	const { panel, setPanel, mobileView, setMobileView, reset } = useWorkspaceUi();
	const [credentials, setCredentials] = useState<StreamCredentials | null>(null);
	const [visited, setVisited] = useState<Set<WorkspacePanel>>(() => new Set(["diff"]));

	useEffect(() => {
		reset();
		return reset;
	}, [reset]);
	useEffect(() => {
		setVisited((current) => (current.has(panel) ? current : new Set([...current, panel])));
	}, [panel]);

	// A fresh short-lived token before every (re)connect; the stream never goes through this API.
	const getCredentials = useCallback(async () => {
		const minted = await client.account.gatewayToken({ sessionId });
		const next = { token: minted.token, gatewayUrl: minted.gatewayUrl };
		setCredentials(next);
		return next;
	}, [sessionId]);

	const { transcript, stream, connection, connectionDetail, streamError, markEnvSubmitted } =
		useSessionStream(sessionId, getCredentials);
	const rename = useMutation(
		orpc.sessions.rename.mutationOptions({
			onSuccess: () => queryClient.invalidateQueries({ queryKey: orpc.sessions.key() }),
		}),
	);
	const resume = useMutation(
		orpc.sessions.resume.mutationOptions({
			onSettled: () => queryClient.invalidateQueries({ queryKey: orpc.sessions.key() }),
		}),
	);

	// The way on after a sandbox stop without a snapshot: a new session on the same repository.
	const startFresh = useMutation(
		orpc.sessions.create.mutationOptions({
			onSuccess: (created) => {
				void queryClient.invalidateQueries({ queryKey: orpc.sessions.key() });
				router.push(`/sessions/${created.id}`);
			},
		}),
	);

	if (session.error) {
		return (
			<div
				className="flex h-full items-center justify-center p-6 text-center text-sm"
				data-testid="session-error"
			>
				<div>
					<div className="font-medium">This session could not be loaded.</div>
					<div className="mt-1 text-muted-foreground">{session.error.message}</div>
				</div>
			</div>
		);
	}
	if (!session.data) {
		return <div className="p-6 text-muted-foreground text-sm">Loading the session…</div>;
	}

	const status = transcript.status ?? session.data.status;
	const ready = status === "running" || status === "idle";
	const repoName = repos.data?.find((repo) => repo.id === session.data.repoId)?.name ?? null;
	const lastGit = transcript.gitResults.at(-1);
	const onResume = () => resume.mutate({ sessionId });
	const repoId = session.data.repoId;
	const onStartFresh = repoId
		? () =>
				startFresh.mutate({
					repoId,
					...(session.data.branch ? { branch: session.data.branch } : {}),
					...(session.data.modelId ? { modelId: session.data.modelId } : {}),
				})
		: undefined;
	// An untitled session takes its first prompt's first line as its title.
	const onPromptSent = (content: string) => {
		if (
			session.data.title !== "Untitled session" ||
			transcript.messages.some((message) => message.role === "user")
		)
			return;
		const firstLine = content.split("\n")[0]?.trim() ?? "";
		if (firstLine)
			rename.mutate({ sessionId, title: firstLine.length > 80 ? `${firstLine.slice(0, 77)}…` : firstLine });
	};
	const canPrompt = Boolean(stream) && connection === "open" && status !== "failed" && status !== "stopped";

	const mobileTabs: { id: MobileView; label: string; icon: ReactNode }[] = [
		{ id: "chat", label: "Chat", icon: <MessageSquare className="size-4" /> },
		...panels,
	];

	const panelContent = (id: WorkspacePanel) => {
		switch (id) {
			case "diff":
				return (
					<div className="flex h-full min-h-0 flex-col">
						<GitActions stream={stream} ready={ready} lastResult={lastGit} />
						<div className="min-h-0 flex-1">
							<DiffPanel
								sessionId={sessionId}
								stream={stream}
								fileChangeCount={transcript.fileChangeCount}
								ready={ready}
							/>
						</div>
					</div>
				);
			case "terminal":
				return <TerminalPanel sessionId={sessionId} ready={ready} getCredentials={getCredentials} />;
			case "preview":
				return <PreviewPanel sessionId={sessionId} previews={transcript.previews} ready={ready} />;
			case "artifacts":
				return (
					<ArtifactsPanel
						artifacts={transcript.artifacts}
						gatewayUrl={credentials?.gatewayUrl ?? null}
						token={credentials?.token ?? null}
					/>
				);
		}
	};

	return (
		<div className="flex h-full min-h-0 flex-col" data-testid="session-workspace">
			<SessionHeader
				session={session.data}
				repoName={repoName}
				status={status}
				onResume={onResume}
				resuming={resume.isPending}
			/>
			<StatusBanner
				status={status}
				message={transcript.statusMessage ?? session.data.statusReason ?? undefined}
				progress={transcript.progress}
				connection={connection}
				connectionDetail={streamError?.message ?? connectionDetail}
				onResume={onResume}
				resuming={resume.isPending}
				resumeError={resume.error?.message}
				stopReason={transcript.stopReason}
				onStartFresh={onStartFresh}
				startingFresh={startFresh.isPending}
				startFreshError={startFresh.error?.message}
			/>
			<nav
				className="flex shrink-0 gap-1 overflow-x-auto border-border border-b px-2 py-1 md:hidden"
				aria-label="Workspace views"
			>
				{mobileTabs.map((tab) => (
					<button
						key={tab.id}
						type="button"
						data-testid={`mobile-tab-${tab.id}`}
						onClick={() => setMobileView(tab.id)}
						aria-pressed={mobileView === tab.id}
						className={`flex shrink-0 items-center gap-1 rounded-md px-2.5 py-1.5 text-xs ${mobileView === tab.id ? "bg-accent text-accent-foreground" : "text-muted-foreground"}`}
					>
						{tab.icon}
						{tab.label}
					</button>
				))}
			</nav>
			<div className="flex min-h-0 flex-1">
				<section
					aria-label="Conversation"
					className={`min-h-0 min-w-0 flex-col border-border md:flex md:w-[44%] md:border-r ${mobileView === "chat" ? "flex w-full" : "hidden"}`}
				>
					<EnvRequests
						requests={transcript.envRequests}
						stream={stream}
						repoId={repoId}
						onSubmitted={markEnvSubmitted}
					/>
					<div className="min-h-0 flex-1">
						<ChatPanel
							transcript={transcript}
							stream={stream}
							canPrompt={canPrompt}
							onPromptSent={onPromptSent}
							disabledReason={
								transcript.stopReason
									? "The sandbox stopped; resume or start fresh above."
									: status === "failed"
										? "The sandbox failed; retry it above."
										: "Connecting…"
							}
						/>
					</div>
				</section>
				<section
					aria-label="Workspace"
					className={`min-h-0 min-w-0 flex-1 flex-col md:flex ${mobileView === "chat" ? "hidden" : "flex"}`}
				>
					<div className="hidden shrink-0 gap-1 border-border border-b px-2 py-1 md:flex" role="tablist">
						{panels.map((tab) => (
							<button
								key={tab.id}
								type="button"
								role="tab"
								data-testid={`panel-tab-${tab.id}`}
								aria-selected={panel === tab.id}
								onClick={() => setPanel(tab.id)}
								className={`flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm ${panel === tab.id ? "bg-accent text-accent-foreground" : "text-muted-foreground hover:text-foreground"}`}
							>
								{tab.icon}
								{tab.label}
								{tab.id === "diff" && Object.keys(transcript.changedFiles).length > 0 ? (
									<span className="rounded-full bg-primary px-1.5 text-[10px] text-primary-foreground">
										{Object.keys(transcript.changedFiles).length}
									</span>
								) : null}
							</button>
						))}
					</div>
					{panels.map((tab) =>
						visited.has(tab.id) ? (
							<div key={tab.id} className={`min-h-0 flex-1 ${panel === tab.id ? "block" : "hidden"}`}>
								{panelContent(tab.id)}
							</div>
						) : null,
					)}
				</section>
			</div>
		</div>
	);
}
