"use client";

import { KeyRoundIcon, LogOutIcon, SettingsIcon, ShieldIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import {
	DropdownMenu,
	DropdownMenuContent,
	DropdownMenuItem,
	DropdownMenuLabel,
	DropdownMenuSeparator,
	DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { toast } from "@/components/ui/sonner";
import { authClient } from "@/lib/auth-client";

export function UserMenu({
	user,
	isSuperAdmin,
}: {
	user: { name: string; email: string };
	isSuperAdmin: boolean;
}) {
	const router = useRouter();
	const initials = user.name
		.split(/\s+/)
		.map((part) => part.slice(0, 1))
		.join("")
		.slice(0, 2)
		.toUpperCase();
	return (
		<DropdownMenu>
			<DropdownMenuTrigger
				className="flex items-center gap-2 rounded-md p-1 text-left text-sm hover:bg-sidebar-accent"
				aria-label="Account"
				data-testid="user-menu"
			>
				<span className="flex size-7 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold">
					{initials || "?"}
				</span>
			</DropdownMenuTrigger>
			<DropdownMenuContent align="end" className="w-60">
				<DropdownMenuLabel className="flex flex-col">
					<span className="truncate">{user.name}</span>
					<span className="truncate text-xs font-normal text-muted-foreground">{user.email}</span>
				</DropdownMenuLabel>
				<DropdownMenuSeparator />
				<DropdownMenuItem asChild>
					<Link href="/settings/organization">
						<SettingsIcon /> Organization settings
					</Link>
				</DropdownMenuItem>
				<DropdownMenuItem asChild>
					<Link href="/settings/api-keys">
						<KeyRoundIcon /> API keys
					</Link>
				</DropdownMenuItem>
				{isSuperAdmin ? (
					<DropdownMenuItem asChild>
						<Link href="/admin">
							<ShieldIcon /> Admin
						</Link>
					</DropdownMenuItem>
				) : null}
				<DropdownMenuSeparator />
				<DropdownMenuItem
					onSelect={async () => {
						const result = await authClient.signOut();
						if (result.error) toast.error(result.error.message ?? "Could not sign out");
						else router.replace("/sign-in");
					}}
				>
					<LogOutIcon /> Sign out
				</DropdownMenuItem>
			</DropdownMenuContent>
		</DropdownMenu>
	);
}
