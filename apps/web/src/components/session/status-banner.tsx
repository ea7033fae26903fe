"use client";

import type { ConnectionState } from "@proliferate/gateway-clients";
import type { SandboxStopKind, SandboxStopReason, SessionRuntimeStatus } from "@proliferate/shared/events";
import { AlertTriangle, Loader2, OctagonX, PauseCircle, RotateCcw, SquarePlus, WifiOff } from "lucide-react";
import { Button } from "@/components/ui/button";

/** Sandbox status as people read it. */
export const statusLabels: Record<SessionRuntimeStatus, string> = {
	creating: "Creating",
	starting: "Starting",
	running: "Running",
	idle: "Running",
	paused: "Paused",
	resuming: "Resuming",
	migrating: "Migrating",
	stopped: "Stopped",
	failed: "Failed",
};

/** What stopped the sandbox, as people read it. */
export const stopKindLabels: Record<SandboxStopKind, string> = {
	memory_limit: "Memory limit reached",
	process_limit: "Process limit reached",
	disk_limit: "Disk limit reached",
	expired: "Sandbox lifetime ended",
	killed: "Sandbox was killed",
	provider_error: "Sandbox provider error",
};

export function statusTone(status: SessionRuntimeStatus | null): string {
	switch (status) {
		case "running":
		case "idle":
			return "bg-success/15 text-success";
		case "failed":
			return "bg-destructive/15 text-destructive";
		case "paused":
		case "stopped":
			return "bg-muted text-muted-foreground";
		default:
			return "bg-warning/15 text-warning";
	}
}

/** Progress while the sandbox starts or migrates, a clear error when it failed, and the resume action. */
export function StatusBanner({
	status,
	message,
	progress,
	connection,
	connectionDetail,
	onResume,
	resuming,
	resumeError,
	stopReason,
	onStartFresh,
	startingFresh,
	startFreshError,
}: {
	status: SessionRuntimeStatus | null;
	message?: string | undefined;
	progress?: { step: string; fraction: number } | undefined;
	connection: ConnectionState;
	connectionDetail?: string | undefined;
	onResume: () => void;
	resuming: boolean;
	resumeError?: string | undefined;
	/** Set when the sandbox stopped on its own: the banner names why and offers the ways on. */
	stopReason?: SandboxStopReason | undefined;
	/** Starts a new session on the same repository. */
	onStartFresh?: (() => void) | undefined;
	startingFresh?: boolean;
	startFreshError?: string | undefined;
}) {
	if (connection === "reconnecting" || (connection === "closed" && connectionDetail)) {
		return (
			<div
				data-testid="connection-banner"
				className="flex items-center gap-2 border-border border-b bg-muted px-4 py-2 text-xs"
			>
				<WifiOff className="size-4 shrink-0" />
				<span className="min-w-0 truncate">
					{connection === "reconnecting"
						? "Connection lost; reconnecting…"
						: `Disconnected: ${connectionDetail}`}
				</span>
			</div>
		);
	}
	if (status === "starting" || status === "creating" || status === "resuming" || status === "migrating") {
		const fraction = Math.round((progress?.fraction ?? 0.05) * 100);
		return (
			<div
				data-testid="status-banner"
				data-status={status}
				className="border-border border-b bg-accent/40 px-4 py-2 text-xs"
			>
				<div className="flex items-center gap-2">
					<Loader2 className="size-4 shrink-0 animate-spin" />
					<span className="min-w-0 truncate">
						{status === "migrating" ? "Moving to a fresh sandbox" : "Starting the sandbox"}
						{progress?.step ? ` · ${progress.step}` : message ? ` · ${message}` : ""}
					</span>
					<span className="ml-auto shrink-0 text-muted-foreground">{fraction}%</span>
				</div>
				<div
					className="mt-1.5 h-1 overflow-hidden rounded bg-muted"
					role="progressbar"
					aria-valuenow={fraction}
					aria-valuemin={0}
					aria-valuemax={100}
				>
					<div className="h-full bg-primary transition-all" style={{ width: `${fraction}%` }} />
				</div>
			</div>
		);
	}
	if (status === "failed" && stopReason) {
		return (
			<div
				data-testid="stop-banner"
				data-status={status}
				data-kind={stopReason.kind}
				className="flex flex-wrap items-center gap-2 border-border border-b bg-destructive/10 px-4 py-2 text-destructive text-xs"
			>
				<OctagonX className="size-4 shrink-0" />
				<span className="min-w-0 flex-1">
					<span className="font-medium">{stopKindLabels[stopReason.kind]}</span>
					{`: ${stopReason.message}. `}
					<span className="text-foreground">
						{stopReason.canResume
							? "Work since the last snapshot is lost; resume from it or start a fresh session."
							: "There is no snapshot to resume from; start a fresh session on the same repository."}
					</span>
					{resumeError || startFreshError ? (
						<span className="block text-destructive">{resumeError ?? startFreshError}</span>
					) : null}
				</span>
				{stopReason.canResume ? (
					<Button
						size="sm"
						variant="destructive"
						data-testid="stop-resume"
						onClick={onResume}
						disabled={resuming}
					>
						{resuming ? <Loader2 className="size-3.5 animate-spin" /> : <RotateCcw className="size-3.5" />}
						Resume from the last snapshot
					</Button>
				) : null}
				{onStartFresh ? (
					<Button
						size="sm"
						variant="secondary"
						data-testid="stop-start-fresh"
						onClick={onStartFresh}
						disabled={startingFresh}
					>
						{startingFresh ? (
							<Loader2 className="size-3.5 animate-spin" />
						) : (
							<SquarePlus className="size-3.5" />
						)}
						Start fresh
					</Button>
				) : null}
			</div>
		);
	}
	if (status === "failed" || status === "paused" || status === "stopped") {
		const failed = status === "failed";
		return (
			<div
				data-testid="status-banner"
				data-status={status}
				className={`flex flex-wrap items-center gap-2 border-border border-b px-4 py-2 text-xs ${failed ? "bg-destructive/10 text-destructive" : "bg-muted"}`}
			>
				{failed ? <AlertTriangle className="size-4 shrink-0" /> : <PauseCircle className="size-4 shrink-0" />}
				<span className="min-w-0 flex-1">
					{failed ? "The sandbox failed" : status === "paused" ? "Paused" : "Stopped"}
					{message && message.toLowerCase() !== status ? `: ${message}` : "."}
					{resumeError ? <span className="block text-destructive">{resumeError}</span> : null}
				</span>
				<Button
					size="sm"
					variant={failed ? "destructive" : "secondary"}
					onClick={onResume}
					disabled={resuming}
				>
					{resuming ? <Loader2 className="size-3.5 animate-spin" /> : null}
					{failed ? "Retry" : "Resume"}
				</Button>
			</div>
		);
	}
	return null;
}
