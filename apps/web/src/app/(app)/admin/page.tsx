import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AdminConsole } from "@/components/admin/admin-console";
import { requirePageMembership } from "@/server/page-auth";
import { PageHeader } from "../page-header";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
	const { viewer } = await requirePageMembership();
	if (!viewer.isSuperAdmin) notFound();
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader title="Admin" description="Every user and organization on this deployment." />
			<AdminConsole />
		</div>
	);
}
