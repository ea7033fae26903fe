import type { Metadata } from "next";
import { OrganizationSettings } from "@/components/settings/organization-settings";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "Organization settings" };

export default function OrganizationSettingsPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader title="Organization" description="Members, invitations and who may join." />
			<OrganizationSettings />
		</div>
	);
}
