import type { Metadata } from "next";
import { NewSessionForm } from "@/components/session/new-session-form";
import { PageHeader } from "../../page-header";

export const metadata: Metadata = { title: "New session" };

export default async function NewSessionPage({
	searchParams,
}: {
	searchParams: Promise<{ repoId?: string }>;
}) {
	const { repoId } = await searchParams;
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="New session"
				description="An agent in a fresh sandbox with your repository checked out."
			/>
			<NewSessionForm initialRepoId={repoId} />
		</div>
	);
}
