"use client";

import { FileText, ImageIcon } from "lucide-react";
import type { TranscriptState } from "@/lib/gateway/transcript";

/** Artifacts the agent stored (screenshots and reports from `verify`), served by the gateway with the session token. */
export function ArtifactsPanel({
	artifacts,
	gatewayUrl,
	token,
}: {
	artifacts: TranscriptState["artifacts"];
	gatewayUrl: string | null;
	token: string | null;
}) {
	if (artifacts.length === 0 || !gatewayUrl || !token) {
		return (
			<div className="flex h-full items-center justify-center p-6 text-center text-muted-foreground text-sm">
				Screenshots and reports the agent collects with verify appear here.
			</div>
		);
	}
	const href = (url: string) => `${gatewayUrl.replace(/\/$/, "")}${url}?token=${encodeURIComponent(token)}`;
	return (
		<div
			className="grid h-full auto-rows-min grid-cols-1 gap-3 overflow-y-auto p-3 sm:grid-cols-2"
			data-testid="artifacts-panel"
		>
			{artifacts.map((artifact) => (
				<a
					key={artifact.artifactId}
					href={href(artifact.url)}
					target="_blank"
					rel="noreferrer"
					className="block overflow-hidden rounded-md border border-border bg-card hover:bg-accent/40"
				>
					{artifact.contentType.startsWith("image/") ? (
						// biome-ignore lint/performance/noImgElement: artifacts are served by the gateway with a session token, not by Next.
						<img
							src={href(artifact.url)}
							alt={artifact.name}
							className="h-32 w-full bg-muted object-contain"
						/>
					) : (
						<div className="flex h-32 items-center justify-center bg-muted">
							<FileText className="size-8 text-muted-foreground" />
						</div>
					)}
					<div className="flex items-center gap-2 px-2 py-1.5 text-xs">
						{artifact.contentType.startsWith("image/") ? (
							<ImageIcon className="size-3.5 shrink-0" />
						) : (
							<FileText className="size-3.5 shrink-0" />
						)}
						<span className="min-w-0 flex-1 truncate">{artifact.name}</span>
						<span className="shrink-0 text-muted-foreground">
							{Math.max(1, Math.round(artifact.sizeBytes / 1024))} KB
						</span>
					</div>
				</a>
			))}
		</div>
	);
}
