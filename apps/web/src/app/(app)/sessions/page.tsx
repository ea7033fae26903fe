import type { Metadata } from "next";
import Link from "next/link";
import { SessionList } from "@/components/session/session-list";
import { Button } from "@/components/ui/button";
import { PageHeader } from "../page-header";

export const metadata: Metadata = { title: "Sessions" };

export default function SessionsPage() {
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title="Sessions"
				description="Agents working on your repositories."
				actions={
					<Button asChild data-testid="new-session-link">
						<Link href="/sessions/new">New session</Link>
					</Button>
				}
			/>
			<SessionList />
		</div>
	);
}
