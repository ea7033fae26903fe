import type { Metadata } from "next";
import { SandboxProviderSettings } from "@/components/settings/sandbox-provider-settings";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "Sandboxes" };

export default function SandboxesSettingsPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="Sandboxes"
				description="The isolated machines this organization's sessions run the agent in."
			/>
			<SandboxProviderSettings />
		</div>
	);
}
