"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
	ArrowRightIcon,
	Building2Icon,
	CheckCircle2Icon,
	CircleIcon,
	MailIcon,
	UsersIcon,
} from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";
import { cn } from "@/lib/utils";

/**
 * First run: pick the organization to work in (personal, a new team, an invitation, or one matching
 * the email domain), then connect a repository and start a first session.
 */
export function OnboardingFlow({ userName, email }: { userName: string; email: string }) {
	const router = useRouter();
	const queryClient = useQueryClient();
	const [teamName, setTeamName] = useState("");
	const me = useQuery(orpc.account.me.queryOptions());
	const invitations = useQuery(orpc.invitations.mine.queryOptions());
	const suggestions = useQuery(orpc.orgs.domainSuggestions.queryOptions());
	const onboarding = useQuery(orpc.onboarding.get.queryOptions());
	const refresh = async (message: string) => {
		await queryClient.invalidateQueries();
		toast.success(message);
		router.refresh();
	};
	const onError = (error: unknown) => toast.error(errorMessage(error));
	const createTeam = useMutation(
		orpc.orgs.create.mutationOptions({ onSuccess: (org) => refresh(`Created ${org.name}`), onError }),
	);
	const accept = useMutation(
		orpc.invitations.accept.mutationOptions({ onSuccess: (org) => refresh(`Joined ${org.name}`), onError }),
	);
	const join = useMutation(
		orpc.orgs.joinByDomain.mutationOptions({ onSuccess: (org) => refresh(`Joined ${org.name}`), onError }),
	);

	if (me.isPending || onboarding.isPending) return <Skeleton className="h-96 w-full rounded-xl" />;
	const steps = onboarding.data?.steps ?? [];
	const nextStep = steps.find((step) => !step.done);

	return (
		<div className="grid gap-6" data-testid="onboarding-flow">
			<div>
				<h1 className="text-2xl font-semibold tracking-tight">Welcome, {userName.split(" ")[0]}</h1>
				<p className="mt-1 text-sm text-muted-foreground">
					Three steps and an agent is working on your code. Signed in as {email}.
				</p>
			</div>

			<ol className="grid gap-2">
				{steps.map((step, index) => (
					<li
						key={step.id}
						data-step={step.id}
						data-done={step.done}
						className={cn(
							"flex items-center gap-3 rounded-lg border bg-card px-4 py-3 text-sm",
							step.id === nextStep?.id && "border-brand/50",
						)}
					>
						{step.done ? (
							<CheckCircle2Icon className="size-5 text-success" />
						) : (
							<CircleIcon className="size-5 text-muted-foreground" />
						)}
						<span className="flex-1">
							<span className="mr-2 text-muted-foreground">{index + 1}.</span>
							{step.title}
						</span>
						{step.id === "organization" && me.data ? (
							<Badge variant="secondary">{me.data.organization.name}</Badge>
						) : null}
					</li>
				))}
			</ol>

			{(invitations.data?.length ?? 0) > 0 || (suggestions.data?.length ?? 0) > 0 ? (
				<Card>
					<CardHeader>
						<CardTitle className="flex items-center gap-2 text-base">
							<UsersIcon className="size-4" /> Your team is already here
						</CardTitle>
						<CardDescription>Join an organization to share repositories and sessions.</CardDescription>
					</CardHeader>
					<CardContent className="grid gap-2">
						{invitations.data?.map((invitation) => (
							<div
								key={invitation.id}
								className="flex flex-wrap items-center gap-3 rounded-md border px-3 py-2"
							>
								<MailIcon className="size-4 text-muted-foreground" />
								<span className="min-w-48 flex-1 text-sm">
									Invitation to <strong>{invitation.organization.name}</strong> as {invitation.role}
								</span>
								<Button
									size="sm"
									onClick={() => accept.mutate({ invitationId: invitation.id })}
									disabled={accept.isPending}
								>
									Accept
								</Button>
							</div>
						))}
						{suggestions.data?.map((suggestion) => (
							<div
								key={suggestion.organization.id}
								className="flex flex-wrap items-center gap-3 rounded-md border px-3 py-2"
							>
								<Building2Icon className="size-4 text-muted-foreground" />
								<span className="min-w-48 flex-1 text-sm">
									Others from <strong>{suggestion.domain}</strong> are in{" "}
									<strong>{suggestion.organization.name}</strong>
								</span>
								<Button
									size="sm"
									variant="outline"
									onClick={() => join.mutate({ organizationId: suggestion.organization.id })}
									disabled={join.isPending}
								>
									Join
								</Button>
							</div>
						))}
					</CardContent>
				</Card>
			) : null}

			{me.data?.organization.isPersonal ? (
				<Card>
					<CardHeader>
						<CardTitle className="text-base">Working with a team?</CardTitle>
						<CardDescription>
							You are in your personal workspace. Create an organization to invite teammates — you can do it
							later too.
						</CardDescription>
					</CardHeader>
					<CardContent>
						<form
							className="flex flex-col gap-2 sm:flex-row sm:items-end"
							onSubmit={(event) => {
								event.preventDefault();
								createTeam.mutate({ name: teamName });
							}}
						>
							<div className="grid flex-1 gap-2">
								<Label htmlFor="team-name">Organization name</Label>
								<Input
									id="team-name"
									value={teamName}
									onChange={(event) => setTeamName(event.target.value)}
									placeholder="Acme"
									minLength={2}
									maxLength={64}
									required
								/>
							</div>
							<Button type="submit" variant="outline" disabled={createTeam.isPending}>
								Create organization
							</Button>
						</form>
					</CardContent>
				</Card>
			) : null}

			<div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-between">
				<Button variant="ghost" asChild>
					<Link href="/dashboard">Skip to the dashboard</Link>
				</Button>
				{nextStep ? (
					<Button asChild data-testid="onboarding-next">
						<Link href={nextStep.href}>
							{nextStep.id === "repository" ? "Connect a repository" : "Start your first session"}{" "}
							<ArrowRightIcon />
						</Link>
					</Button>
				) : (
					<Button asChild>
						<Link href="/dashboard">
							Go to the dashboard <ArrowRightIcon />
						</Link>
					</Button>
				)}
			</div>
		</div>
	);
}
