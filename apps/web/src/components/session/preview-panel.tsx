"use client";

import { useMutation } from "@tanstack/react-query";
import { Check, Copy, ExternalLink, Globe, Loader2, RefreshCw } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { orpc } from "@/lib/orpc";
import { useWorkspaceUi } from "./workspace-store";

/**
 * The live preview of a dev server in the sandbox: pick a port, the gateway issues an unguessable
 * preview link for it, the panel embeds it; open it in a new tab or copy it to share.
 */
export function PreviewPanel({
	sessionId,
	previews,
	ready,
}: {
	sessionId: string;
	previews: { port: number; url: string; name?: string }[];
	ready: boolean;
}) {
	const { previewPort, setPreviewPort } = useWorkspaceUi();
	const [portDraft, setPortDraft] = useState("3000");
	const [reloadKey, setReloadKey] = useState(0);
	const [copied, setCopied] = useState(false);
	const share = useMutation(orpc.sessions.shareLink.mutationOptions());
	// Until a port is picked, show the first preview the session announced.
	const current =
		previews.find((preview) => preview.port === previewPort) ??
		(previewPort === null ? (previews[0] ?? null) : null);

	async function open(port: number) {
		setPreviewPort(port);
		if (!previews.some((preview) => preview.port === port)) await share.mutateAsync({ sessionId, port });
	}

	async function copy(url: string) {
		await navigator.clipboard.writeText(url).catch(() => {});
		setCopied(true);
		setTimeout(() => setCopied(false), 1500);
	}

	const parsedPort = Number.parseInt(portDraft, 10);
	const portValid = Number.isInteger(parsedPort) && parsedPort > 0 && parsedPort < 65536;

	return (
		<div className="flex h-full min-h-0 flex-col" data-testid="preview-panel">
			<div className="flex flex-wrap items-center gap-2 border-border border-b px-3 py-2">
				<span className="font-medium text-sm">Preview</span>
				{previews.map((preview) => (
					<button
						key={preview.port}
						type="button"
						onClick={() => setPreviewPort(preview.port)}
						aria-pressed={preview.port === current?.port}
						className={`rounded-md border border-border px-2 py-0.5 text-xs ${preview.port === current?.port ? "bg-accent text-accent-foreground" : "text-muted-foreground"}`}
					>
						:{preview.port}
						{preview.name ? ` ${preview.name}` : ""}
					</button>
				))}
				<form
					className="flex items-center gap-1"
					onSubmit={(event) => {
						event.preventDefault();
						if (portValid) void open(parsedPort);
					}}
				>
					<Input
						aria-label="Port"
						data-testid="preview-port"
						inputMode="numeric"
						value={portDraft}
						onChange={(event) => setPortDraft(event.target.value.replace(/[^0-9]/g, "").slice(0, 5))}
						className="h-7 w-20 text-xs"
					/>
					<Button
						type="submit"
						size="sm"
						variant="secondary"
						disabled={!ready || !portValid || share.isPending}
						data-testid="preview-open"
					>
						{share.isPending ? <Loader2 className="size-3 animate-spin" /> : null}
						Open
					</Button>
				</form>
				{current ? (
					<div className="ml-auto flex items-center gap-1">
						<Button
							variant="ghost"
							size="icon"
							aria-label="Reload the preview"
							onClick={() => setReloadKey((key) => key + 1)}
						>
							<RefreshCw className="size-4" />
						</Button>
						<Button
							variant="ghost"
							size="icon"
							aria-label="Copy the share link"
							onClick={() => void copy(current.url)}
						>
							{copied ? <Check className="size-4" /> : <Copy className="size-4" />}
						</Button>
						<Button variant="ghost" size="icon" asChild aria-label="Open in a new tab">
							<a href={current.url} target="_blank" rel="noreferrer" data-testid="preview-new-tab">
								<ExternalLink className="size-4" />
							</a>
						</Button>
					</div>
				) : null}
			</div>
			{share.error ? <div className="px-3 py-2 text-destructive text-xs">{share.error.message}</div> : null}
			{current ? (
				<iframe
					key={`${current.url}-${reloadKey}`}
					data-testid="preview-frame"
					title={`Preview of port ${current.port}`}
					src={current.url}
					className="min-h-0 w-full flex-1 border-0 bg-background"
					sandbox="allow-scripts allow-forms allow-same-origin allow-popups"
				/>
			) : (
				<div className="flex flex-1 flex-col items-center justify-center gap-2 p-6 text-center text-muted-foreground text-sm">
					<Globe className="size-6" />
					{ready
						? "Start a dev server in the sandbox (or ask the agent to), then open its port here."
						: "The preview is available once the sandbox is running."}
				</div>
			)}
		</div>
	);
}
