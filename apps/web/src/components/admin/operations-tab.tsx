"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RefreshCwIcon, RotateCcwIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-GB") : "—");

function age(seconds: number): string {
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
	return `${(seconds / 3600).toFixed(1)} h`;
}

function Stat({
	label,
	value,
	tone,
}: {
	label: string;
	value: string | number;
	tone?: "warning" | "danger";
}) {
	const color = tone === "danger" ? "text-destructive" : tone === "warning" ? "text-warning" : "";
	return (
		<div className="rounded-lg border bg-card px-4 py-3">
			<div className="text-xs text-muted-foreground">{label}</div>
			<div className={`text-lg font-semibold tabular-nums ${color}`}>{value}</div>
		</div>
	);
}

/** The background half at a glance: the outbox's backlog and failures, queue depths, failed jobs. */
export function OperationsTab() {
	const queryClient = useQueryClient();
	const operations = useQuery({ ...orpc.admin.operations.queryOptions(), refetchInterval: 5_000 });
	const refresh = () => queryClient.invalidateQueries({ queryKey: orpc.admin.operations.key() });
	const retryJob = useMutation(
		orpc.admin.retryJob.mutationOptions({
			onSuccess: () => {
				toast.success("Job queued again");
				void refresh();
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	const retryRow = useMutation(
		orpc.admin.retryOutboxRow.mutationOptions({
			onSuccess: () => {
				toast.success("Outbox row pending again");
				void refresh();
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	if (operations.isPending) return <Skeleton className="h-64 w-full" />;
	if (operations.isError)
		return (
			<Alert variant="destructive">
				<AlertTitle>The operations view could not load</AlertTitle>
				<AlertDescription>{errorMessage(operations.error)}</AlertDescription>
			</Alert>
		);
	const { outbox, failedOutboxRows, queues, queuesUnavailable } = operations.data;
	return (
		<div className="grid gap-6" data-testid="operations">
			<section className="grid gap-2">
				<div className="flex items-center justify-between">
					<h2 className="text-sm font-semibold">Outbox</h2>
					<Button variant="ghost" size="sm" onClick={() => void refresh()} disabled={operations.isFetching}>
						<RefreshCwIcon className={operations.isFetching ? "animate-spin" : ""} /> Refresh
					</Button>
				</div>
				<div className="grid grid-cols-2 gap-2 sm:grid-cols-5">
					<Stat label="Pending" value={outbox.pending} />
					<Stat
						label="Oldest pending"
						value={outbox.pending === 0 ? "—" : age(outbox.oldestPendingAgeSeconds)}
						tone={outbox.oldestPendingAgeSeconds > 300 ? "warning" : undefined}
					/>
					<Stat label="Processing" value={outbox.processing} />
					<Stat label="Dispatched (kept 7 days)" value={outbox.dispatched} />
					<Stat label="Failed" value={outbox.failed} tone={outbox.failed > 0 ? "danger" : undefined} />
				</div>
				{failedOutboxRows.map((row) => (
					<div
						key={row.id}
						data-testid="failed-outbox-row"
						className="flex flex-wrap items-center gap-3 rounded-md border bg-card px-3 py-2 text-sm"
					>
						<code className="text-xs">{row.kind}</code>
						<span className="min-w-0 flex-1 truncate text-xs text-destructive" title={row.lastError ?? ""}>
							{row.lastError ?? "failed"}
						</span>
						<span className="text-xs text-muted-foreground">
							{row.attempts}/{row.maxAttempts} attempts · {when(row.createdAt)}
						</span>
						<Button
							variant="outline"
							size="sm"
							disabled={retryRow.isPending}
							onClick={() => retryRow.mutate({ id: row.id })}
						>
							<RotateCcwIcon /> Retry
						</Button>
					</div>
				))}
			</section>

			<section className="grid gap-2">
				<h2 className="text-sm font-semibold">Queues</h2>
				{queuesUnavailable ? (
					<Alert variant="destructive">
						<AlertTitle>Queues unavailable</AlertTitle>
						<AlertDescription>{queuesUnavailable}</AlertDescription>
					</Alert>
				) : null}
				{queues ? (
					<div className="overflow-x-auto rounded-lg border">
						<table className="w-full text-sm">
							<thead className="bg-muted/50 text-xs text-muted-foreground">
								<tr>
									<th className="px-3 py-2 text-left font-medium">Queue</th>
									<th className="px-3 py-2 text-right font-medium">Waiting</th>
									<th className="px-3 py-2 text-right font-medium">Active</th>
									<th className="px-3 py-2 text-right font-medium">Delayed</th>
									<th className="px-3 py-2 text-right font-medium">Failed</th>
								</tr>
							</thead>
							<tbody>
								{queues.depths.map((depth) => (
									<tr key={depth.name} className="border-t" data-testid="queue-row">
										<td className="px-3 py-2">
											<code className="text-xs">{depth.name}</code>
											<div className="text-xs text-muted-foreground">{depth.description}</div>
										</td>
										<td className="px-3 py-2 text-right tabular-nums">{depth.waiting}</td>
										<td className="px-3 py-2 text-right tabular-nums">{depth.active}</td>
										<td className="px-3 py-2 text-right tabular-nums">{depth.delayed}</td>
										<td className="px-3 py-2 text-right tabular-nums">
											{depth.failed > 0 ? <Badge variant="destructive">{depth.failed}</Badge> : 0}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				) : null}
				{queues?.failedJobs.map((job) => (
					<div
						key={`${job.queue}:${job.id}`}
						data-testid="failed-job"
						className="flex flex-wrap items-center gap-3 rounded-md border bg-card px-3 py-2 text-sm"
					>
						<code className="text-xs">{job.queue}</code>
						<span className="min-w-0 flex-1 truncate text-xs text-destructive" title={job.failedReason}>
							{job.failedReason || "failed"}
						</span>
						<span className="text-xs text-muted-foreground">
							{job.attemptsMade} attempt{job.attemptsMade === 1 ? "" : "s"} · {when(job.failedAt)}
						</span>
						<Button
							variant="outline"
							size="sm"
							disabled={retryJob.isPending}
							onClick={() => retryJob.mutate({ queue: job.queue, jobId: job.id })}
						>
							<RotateCcwIcon /> Retry
						</Button>
					</div>
				))}
				{queues && queues.failedJobs.length === 0 ? (
					<p className="py-2 text-sm text-muted-foreground">No failed jobs.</p>
				) : null}
			</section>
		</div>
	);
}
