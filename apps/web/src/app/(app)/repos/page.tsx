import type { Metadata } from "next";
import { AddRepoDialog } from "@/components/repos/add-repo-dialog";
import { RepoList } from "@/components/repos/repo-list";
import { PageHeader } from "../page-header";

export const metadata: Metadata = { title: "Repositories" };

export default function ReposPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="Repositories"
				description="The repositories sessions work on."
				actions={<AddRepoDialog />}
			/>
			<RepoList />
		</div>
	);
}
