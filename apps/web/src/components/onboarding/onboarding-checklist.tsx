"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowRightIcon, CheckCircle2Icon, CircleIcon } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { orpc } from "@/lib/orpc";
import { cn } from "@/lib/utils";

/** The organization's first-run steps; hidden once complete or dismissed. */
export function OnboardingChecklist() {
	const queryClient = useQueryClient();
	const onboarding = useQuery(orpc.onboarding.get.queryOptions());
	const dismiss = useMutation(
		orpc.onboarding.dismiss.mutationOptions({
			onSuccess: () => queryClient.invalidateQueries({ queryKey: orpc.onboarding.get.key() }),
		}),
	);
	if (onboarding.isPending) return <Skeleton className="h-56 w-full rounded-xl" />;
	if (!onboarding.data || onboarding.data.dismissed) return null;
	const { steps, current, completed } = onboarding.data;
	return (
		<Card data-testid="onboarding-checklist">
			<CardHeader>
				<CardTitle>{completed ? "You are all set" : "Get started"}</CardTitle>
				<CardDescription>
					{completed
						? "Your organization has a repository and its first session."
						: `${steps.filter((step) => step.done).length} of ${steps.length} steps done`}
				</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-2">
				{steps.map((step) => (
					<div
						key={step.id}
						data-step={step.id}
						data-done={step.done}
						className={cn(
							"flex items-center gap-3 rounded-lg border px-3 py-3",
							step.id === current && "border-brand/50 bg-brand/5",
						)}
					>
						{step.done ? (
							<CheckCircle2Icon className="size-5 shrink-0 text-success" />
						) : (
							<CircleIcon className="size-5 shrink-0 text-muted-foreground" />
						)}
						<span className={cn("min-w-0 flex-1 text-sm", step.done && "text-muted-foreground line-through")}>
							{step.title}
						</span>
						{!step.done && step.id === current ? (
							<Button asChild size="sm">
								<Link href={step.href}>
									Start <ArrowRightIcon />
								</Link>
							</Button>
						) : null}
					</div>
				))}
				<div className="flex justify-end pt-2">
					<Button variant="ghost" size="sm" onClick={() => dismiss.mutate({})} disabled={dismiss.isPending}>
						{completed ? "Hide" : "Skip for now"}
					</Button>
				</div>
			</CardContent>
		</Card>
	);
}
