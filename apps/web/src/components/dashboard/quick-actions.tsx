"use client";

import { useQuery } from "@tanstack/react-query";
import { ArrowRightIcon, FolderGit2Icon, KeyRoundIcon, MessageSquarePlusIcon, UsersIcon } from "lucide-react";
import Link from "next/link";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { orpc } from "@/lib/orpc";

const actions = [
	{
		href: "/sessions/new",
		title: "Start a session",
		description: "Give an agent a task on one of your repositories.",
		icon: MessageSquarePlusIcon,
	},
	{
		href: "/repos",
		title: "Repositories",
		description: "Connect a git URL, a local path or GitHub.",
		icon: FolderGit2Icon,
	},
	{
		href: "/settings/organization",
		title: "Team",
		description: "Invite people and manage roles.",
		icon: UsersIcon,
	},
	{
		href: "/settings/api-keys",
		title: "API keys",
		description: "Script the platform from CI or the CLI.",
		icon: KeyRoundIcon,
	},
] as const;

/** The dashboard's shortcuts, with the member count of the active organization. */
export function QuickActions() {
	const organization = useQuery(orpc.orgs.get.queryOptions());
	const members = organization.data?.members.length;
	return (
		<div className="grid gap-3 sm:grid-cols-2">
			{actions.map((action) => (
				<Link key={action.href} href={action.href} className="group">
					<Card className="h-full gap-0 py-5 transition-colors group-hover:border-brand/40 group-hover:bg-accent/40">
						<CardHeader className="flex-row items-start gap-3">
							<span className="flex size-9 items-center justify-center rounded-lg bg-brand/10 text-brand">
								<action.icon className="size-4" />
							</span>
							<div className="grid min-w-0 flex-1 gap-1">
								<CardTitle className="text-sm">
									{action.title}
									{action.href === "/settings/organization" && members !== undefined ? (
										<span className="ml-2 font-normal text-muted-foreground">
											{members} {members === 1 ? "member" : "members"}
										</span>
									) : null}
								</CardTitle>
								<CardDescription>{action.description}</CardDescription>
							</div>
							<ArrowRightIcon className="mt-1 size-4 text-muted-foreground transition-transform group-hover:translate-x-0.5" />
						</CardHeader>
					</Card>
				</Link>
			))}
		</div>
	);
}
