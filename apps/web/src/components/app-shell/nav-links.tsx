"use client";

import {
	BoxesIcon,
	FolderGit2Icon,
	KeyRoundIcon,
	LayoutDashboardIcon,
	LockKeyholeIcon,
	MessagesSquareIcon,
	PlugIcon,
	SettingsIcon,
	ShieldIcon,
} from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/utils";

export const navItems = [
	{ href: "/dashboard", label: "Home", icon: LayoutDashboardIcon },
	{ href: "/sessions", label: "Sessions", icon: MessagesSquareIcon },
	{ href: "/repos", label: "Repositories", icon: FolderGit2Icon },
	{ href: "/settings/organization", label: "Settings", icon: SettingsIcon },
	{ href: "/settings/secrets", label: "Secrets", icon: LockKeyholeIcon },
	{ href: "/settings/api-keys", label: "API keys", icon: KeyRoundIcon },
	{ href: "/settings/integrations", label: "Integrations", icon: PlugIcon },
	{ href: "/settings/sandboxes", label: "Sandboxes", icon: BoxesIcon },
] as const;

/** On phones the nav scrolls sideways: the current page's entry is brought into view. */
function centerInNav(link: HTMLAnchorElement | null) {
	const nav = link?.parentElement;
	if (!link || !nav) return;
	nav.scrollLeft = link.offsetLeft - (nav.clientWidth - link.offsetWidth) / 2;
}

export function NavLinks({
	isSuperAdmin,
	orientation,
}: {
	isSuperAdmin: boolean;
	orientation: "vertical" | "horizontal";
}) {
	const pathname = usePathname();
	const items = isSuperAdmin ? [...navItems, { href: "/admin", label: "Admin", icon: ShieldIcon }] : navItems;
	return (
		<nav
			className={cn(
				orientation === "vertical"
					? "flex flex-col gap-0.5"
					: "relative flex gap-1 overflow-x-auto [scrollbar-width:none]",
			)}
		>
			{items.map((item) => {
				const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
				return (
					<Link
						key={item.href}
						href={item.href}
						aria-current={active ? "page" : undefined}
						ref={active && orientation === "horizontal" ? centerInNav : undefined}
						className={cn(
							"flex shrink-0 items-center gap-2 rounded-md px-2 py-1.5 text-sm text-sidebar-foreground/80 transition-colors hover:bg-sidebar-accent hover:text-sidebar-accent-foreground",
							active && "bg-sidebar-accent font-medium text-sidebar-accent-foreground",
						)}
					>
						<item.icon className="size-4" />
						{item.label}
					</Link>
				);
			})}
		</nav>
	);
}
