import type { Metadata } from "next";
import { type GithubAppSetupResult, IntegrationsSettings } from "@/components/settings/integrations-settings";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "Integrations" };

type SearchParams = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** `?connected=github&connection=<id>` or `?github_error=<code>`: where the GitHub App's Setup URL sent the admin back. */
function setupResultOf(params: SearchParams): GithubAppSetupResult {
	const error = first(params.github_error);
	if (error) return { error };
	const connectionId = first(params.connection);
	if (first(params.connected) === "github" && connectionId) return { connectionId };
	return null;
}

export default async function IntegrationsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="Integrations"
				description="Connections this organization acts through, such as GitHub for importing repositories, pushing branches and opening pull requests."
			/>
			<IntegrationsSettings setupResult={setupResultOf(await searchParams)} />
		</div>
	);
}
