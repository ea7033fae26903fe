"use client";

import type { SessionStream } from "@proliferate/gateway-clients";
import { useQuery } from "@tanstack/react-query";
import { FileDiff, Loader2, RefreshCw } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { type DiffFile, type DiffLine, parseUnifiedDiff, splitRows } from "@/lib/gateway/unified-diff";
import { useWorkspaceUi } from "./workspace-store";

const lineClass: Record<DiffLine["kind"], string> = {
	added: "bg-success/15",
	removed: "bg-destructive/10",
	context: "",
};
const sign: Record<DiffLine["kind"], string> = { added: "+", removed: "-", context: " " };

function UnifiedView({ file }: { file: DiffFile }) {
	return (
		<table className="w-full border-collapse font-mono text-xs">
			<tbody>
				{file.hunks.map((hunk) => [
					<tr key={hunk.header} className="bg-muted text-muted-foreground">
						<td colSpan={3} className="px-2 py-1">
							{hunk.header}
						</td>
					</tr>,
					...hunk.lines.map((line) => (
						<tr
							key={`${hunk.header}:${line.kind}:${line.oldNumber ?? ""}:${line.newNumber ?? ""}`}
							data-kind={line.kind}
							className={lineClass[line.kind]}
						>
							<td className="w-10 select-none px-1 text-right text-muted-foreground">
								{line.oldNumber ?? ""}
							</td>
							<td className="w-10 select-none px-1 text-right text-muted-foreground">
								{line.newNumber ?? ""}
							</td>
							<td className="whitespace-pre-wrap break-all px-2">
								{sign[line.kind]}
								{line.text}
							</td>
						</tr>
					)),
				])}
			</tbody>
		</table>
	);
}

function SplitCell({ line }: { line: DiffLine | null }) {
	return (
		<>
			<td className="w-10 select-none px-1 text-right text-muted-foreground">
				{line ? (line.kind === "added" ? line.newNumber : (line.oldNumber ?? line.newNumber)) : ""}
			</td>
			<td
				className={`w-1/2 whitespace-pre-wrap break-all px-2 ${line ? lineClass[line.kind] : "bg-muted/40"}`}
			>
				{line?.text ?? ""}
			</td>
		</>
	);
}

function SplitView({ file }: { file: DiffFile }) {
	return (
		<table className="w-full table-fixed border-collapse font-mono text-xs">
			<tbody>
				{file.hunks.map((hunk) => [
					<tr key={hunk.header} className="bg-muted text-muted-foreground">
						<td colSpan={4} className="px-2 py-1">
							{hunk.header}
						</td>
					</tr>,
					...splitRows(hunk).map((row) => (
						<tr
							key={`${hunk.header}:${row.left?.kind ?? ""}${row.left?.oldNumber ?? row.left?.newNumber ?? ""}:${row.right?.kind ?? ""}${row.right?.newNumber ?? ""}`}
						>
							<SplitCell line={row.left?.kind === "added" ? null : row.left} />
							<SplitCell line={row.right?.kind === "removed" ? null : row.right} />
						</tr>
					)),
				])}
			</tbody>
		</table>
	);
}

/** Files changed in the workspace and their diff against HEAD; refreshed as the agent changes files. */
export function DiffPanel({
	sessionId,
	stream,
	fileChangeCount,
	ready,
}: {
	sessionId: string;
	stream: SessionStream | null;
	fileChangeCount: number;
	ready: boolean;
}) {
	const { diffMode, setDiffMode, selectedFile, selectFile } = useWorkspaceUi();
	// Bursts of file changes refresh once, shortly after the last one.
	const [refreshKey, setRefreshKey] = useState(fileChangeCount);
	useEffect(() => {
		const timer = setTimeout(() => setRefreshKey(fileChangeCount), 400);
		return () => clearTimeout(timer);
	}, [fileChangeCount]);
	const diff = useQuery({
		queryKey: ["session-diff", sessionId, refreshKey],
		queryFn: async () => {
			if (!stream) throw new Error("not connected");
			return stream.git.diff();
		},
		enabled: Boolean(stream) && ready,
		placeholderData: (previous) => previous,
		retry: 2,
	});
	const files = useMemo(() => parseUnifiedDiff(diff.data?.diff ?? ""), [diff.data?.diff]);
	const current = files.find((file) => file.path === selectedFile) ?? files[0];

	return (
		<div className="flex h-full min-h-0 flex-col" data-testid="diff-panel">
			<div className="flex flex-wrap items-center gap-2 border-border border-b px-3 py-2">
				<span className="font-medium text-sm">Changes</span>
				<span className="text-muted-foreground text-xs" data-testid="diff-file-count">
					{files.length} {files.length === 1 ? "file" : "files"}
				</span>
				<div className="ml-auto flex items-center gap-1">
					<div className="flex rounded-md border border-border p-0.5 text-xs">
						{(["unified", "split"] as const).map((mode) => (
							<button
								key={mode}
								type="button"
								onClick={() => setDiffMode(mode)}
								aria-pressed={diffMode === mode}
								className={`rounded px-2 py-0.5 capitalize ${diffMode === mode ? "bg-accent text-accent-foreground" : "text-muted-foreground"}`}
							>
								{mode}
							</button>
						))}
					</div>
					<Button
						variant="ghost"
						size="icon"
						aria-label="Refresh the diff"
						onClick={() => void diff.refetch()}
					>
						{diff.isFetching ? <Loader2 className="size-4 animate-spin" /> : <RefreshCw className="size-4" />}
					</Button>
				</div>
			</div>
			{diff.error ? <div className="px-3 py-2 text-destructive text-xs">{diff.error.message}</div> : null}
			{diff.data?.truncated ? (
				<div className="px-3 py-1 text-muted-foreground text-xs">The diff is large; it was cut at 1 MB.</div>
			) : null}
			{files.length === 0 ? (
				<div className="flex flex-1 flex-col items-center justify-center gap-2 p-6 text-center text-muted-foreground text-sm">
					<FileDiff className="size-6" />
					{ready ? "No changes yet." : "The diff appears once the sandbox is running."}
				</div>
			) : (
				<div className="flex min-h-0 flex-1 flex-col md:flex-row">
					<ul className="max-h-32 shrink-0 overflow-y-auto border-border border-b md:max-h-none md:w-56 md:border-r md:border-b-0">
						{files.map((file) => (
							<li key={file.path}>
								<button
									type="button"
									data-testid="diff-file"
									onClick={() => selectFile(file.path)}
									className={`flex w-full min-w-0 items-center gap-2 px-3 py-1.5 text-left text-xs hover:bg-accent/50 ${current?.path === file.path ? "bg-accent text-accent-foreground" : ""}`}
								>
									<span className="min-w-0 flex-1 truncate font-mono">{file.path}</span>
									<span className="shrink-0 text-success">+{file.additions}</span>
									<span className="shrink-0 text-destructive">-{file.deletions}</span>
								</button>
							</li>
						))}
					</ul>
					<div className="min-h-0 min-w-0 flex-1 overflow-auto" data-testid="diff-view">
						{current ? (
							current.binary ? (
								<div className="p-3 text-muted-foreground text-xs">Binary file changed.</div>
							) : diffMode === "split" ? (
								<SplitView file={current} />
							) : (
								<UnifiedView file={current} />
							)
						) : null}
					</div>
				</div>
			)}
		</div>
	);
}
