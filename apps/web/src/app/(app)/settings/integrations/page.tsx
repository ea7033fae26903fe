import type { Metadata } from "next";
import { IntegrationsSettings } from "@/components/settings/integrations-settings";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "Integrations" };

export default function IntegrationsPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="Integrations"
				description="Connections this organization acts through, such as GitHub for importing repositories, pushing branches and opening pull requests."
			/>
			<IntegrationsSettings />
		</div>
	);
}
