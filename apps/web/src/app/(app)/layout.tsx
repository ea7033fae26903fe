import type * as React from "react";
import { AppShell } from "@/components/app-shell/app-shell";
import { requirePageMembership } from "@/server/page-auth";

export const dynamic = "force-dynamic";

/** Every page under (app) needs a signed-in member; the shell shows their active organization. */
export default async function AppLayout({ children }: { children: React.ReactNode }) {
	const { viewer, membership } = await requirePageMembership();
	return (
		<AppShell
			user={{ name: viewer.user.name, email: viewer.user.email }}
			organization={{ id: membership.organization.id, name: membership.organization.name }}
			isSuperAdmin={viewer.isSuperAdmin}
			impersonatedBy={viewer.impersonation ? { email: viewer.impersonation.admin.email } : null}
		>
			{children}
		</AppShell>
	);
}
