"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronsUpDownIcon, PlusIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { CreateOrganizationDialog } from "@/components/orgs/create-organization-dialog";
import {
	DropdownMenu,
	DropdownMenuCheckItem,
	DropdownMenuContent,
	DropdownMenuItem,
	DropdownMenuLabel,
	DropdownMenuSeparator,
	DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

export function OrgSwitcher({ activeOrganization }: { activeOrganization: { id: string; name: string } }) {
	const router = useRouter();
	const queryClient = useQueryClient();
	const memberships = useQuery(orpc.orgs.list.queryOptions());
	const switchOrganization = useMutation(
		orpc.orgs.switch.mutationOptions({
			onSuccess: async (organization) => {
				await queryClient.invalidateQueries();
				toast.success(`Switched to ${organization.name}`);
				router.refresh();
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	return (
		<DropdownMenu>
			<DropdownMenuTrigger
				className="flex w-full min-w-0 items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-sidebar-accent"
				data-testid="org-switcher"
			>
				<span className="flex size-7 shrink-0 items-center justify-center rounded-md bg-brand text-xs font-semibold text-brand-foreground">
					{activeOrganization.name.slice(0, 1).toUpperCase()}
				</span>
				<span className="min-w-0 flex-1 truncate font-medium">{activeOrganization.name}</span>
				<ChevronsUpDownIcon className="size-4 shrink-0 opacity-60" />
			</DropdownMenuTrigger>
			<DropdownMenuContent align="start" className="w-64">
				<DropdownMenuLabel className="text-xs text-muted-foreground">Organizations</DropdownMenuLabel>
				{memberships.data?.map((membership) => (
					<DropdownMenuCheckItem
						key={membership.organization.id}
						checked={membership.organization.id === activeOrganization.id}
						onSelect={() => {
							if (membership.organization.id !== activeOrganization.id)
								switchOrganization.mutate({ organizationId: membership.organization.id });
						}}
					>
						<span className="truncate">{membership.organization.name}</span>
						<span className="ml-auto text-xs text-muted-foreground">{membership.role}</span>
					</DropdownMenuCheckItem>
				))}
				<DropdownMenuSeparator />
				<CreateOrganizationDialog
					trigger={
						<DropdownMenuItem onSelect={(event) => event.preventDefault()}>
							<PlusIcon /> New organization
						</DropdownMenuItem>
					}
				/>
			</DropdownMenuContent>
		</DropdownMenu>
	);
}
