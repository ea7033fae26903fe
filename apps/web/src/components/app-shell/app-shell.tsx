import type * as React from "react";
import { ImpersonationBanner } from "./impersonation-banner";
import { NavLinks } from "./nav-links";
import { OrgSwitcher } from "./org-switcher";
import { ThemeToggle } from "./theme-toggle";
import { UserMenu } from "./user-menu";

export interface AppShellProps {
	user: { name: string; email: string };
	organization: { id: string; name: string };
	isSuperAdmin: boolean;
	impersonatedBy: { email: string } | null;
	children: React.ReactNode;
}

/** Sidebar (org switcher, nav, account) on wide screens; a top bar with scrolling nav on phones. */
export function AppShell({ user, organization, isSuperAdmin, impersonatedBy, children }: AppShellProps) {
	return (
		<div className="flex min-h-dvh flex-col">
			{impersonatedBy ? (
				<ImpersonationBanner userEmail={user.email} adminEmail={impersonatedBy.email} />
			) : null}
			<div className="flex min-h-0 flex-1">
				<aside className="sticky top-0 hidden h-dvh w-60 shrink-0 flex-col border-r border-sidebar-border bg-sidebar text-sidebar-foreground md:flex">
					<div className="flex items-center gap-2 px-4 pt-4 pb-3 text-sm font-semibold tracking-tight">
						<span className="size-2.5 rounded-full bg-brand" /> Proliferate
					</div>
					<div className="px-2 pb-3">
						<OrgSwitcher activeOrganization={organization} />
					</div>
					<div className="flex-1 px-2">
						<NavLinks isSuperAdmin={isSuperAdmin} orientation="vertical" />
					</div>
					<div className="flex items-center justify-between border-t border-sidebar-border px-3 py-2">
						<UserMenu user={user} isSuperAdmin={isSuperAdmin} />
						<span className="min-w-0 flex-1 truncate px-2 text-xs text-muted-foreground">{user.email}</span>
						<ThemeToggle />
					</div>
				</aside>
				<div className="flex min-w-0 flex-1 flex-col">
					<header className="sticky top-0 z-30 border-b bg-sidebar/95 backdrop-blur md:hidden">
						<div className="flex items-center gap-2 px-3 py-2">
							<div className="min-w-0 flex-1">
								<OrgSwitcher activeOrganization={organization} />
							</div>
							<ThemeToggle />
							<UserMenu user={user} isSuperAdmin={isSuperAdmin} />
						</div>
						<div className="px-2 pb-2">
							<NavLinks isSuperAdmin={isSuperAdmin} orientation="horizontal" />
						</div>
					</header>
					<main className="min-w-0 flex-1">{children}</main>
				</div>
			</div>
		</div>
	);
}
