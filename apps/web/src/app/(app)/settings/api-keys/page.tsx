import type { Metadata } from "next";
import { ApiKeysSettings } from "@/components/settings/api-keys-settings";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "API keys" };

export default function ApiKeysPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="API keys"
				description="Keys act as you in this organization, for the API and (exchanged for a token) the gateway."
			/>
			<ApiKeysSettings />
		</div>
	);
}
