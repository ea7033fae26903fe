import type { Metadata } from "next";
import { SecretsSettings } from "@/components/settings/secrets-settings";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "Secrets" };

export default function SecretsSettingsPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="Secrets"
				description="Environment variables every session's sandbox gets: organization-wide, per repository or in bundles. Values are never shown again."
			/>
			<SecretsSettings />
		</div>
	);
}
