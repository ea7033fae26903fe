import type { Metadata } from "next";
import { QuickActions } from "@/components/dashboard/quick-actions";
import { OnboardingChecklist } from "@/components/onboarding/onboarding-checklist";
import { requirePageMembership } from "@/server/page-auth";
import { PageHeader } from "../page-header";

export const metadata: Metadata = { title: "Home" };

export default async function DashboardPage() {
	const { viewer, membership } = await requirePageMembership();
	return (
		<div className="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">
			<PageHeader
				title={`Welcome, ${viewer.user.name.split(" ")[0]}`}
				description={`You are working in ${membership.organization.name} as ${membership.role}.`}
			/>
			<div className="grid gap-6">
				<OnboardingChecklist />
				<QuickActions />
			</div>
		</div>
	);
}
