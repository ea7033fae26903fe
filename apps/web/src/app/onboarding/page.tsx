import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { OnboardingFlow } from "@/components/onboarding/onboarding-flow";
import { getPageViewer } from "@/server/page-auth";

export const metadata: Metadata = { title: "Get started" };
export const dynamic = "force-dynamic";

export default async function OnboardingPage({
	searchParams,
}: {
	searchParams: Promise<{ error?: string }>;
}) {
	const { error } = await searchParams;
	const viewer = await getPageViewer();
	if (!viewer) redirect(`/sign-in${error ? `?error=${encodeURIComponent(error)}` : "?next=/onboarding"}`);
	return (
		<div className="min-h-dvh bg-muted/40 px-4 py-10">
			<div className="mx-auto w-full max-w-xl">
				<div className="mb-8 flex items-center gap-2 text-lg font-semibold tracking-tight">
					<span className="size-3 rounded-full bg-brand" /> Proliferate
				</div>
				<OnboardingFlow userName={viewer.user.name} email={viewer.user.email} />
			</div>
		</div>
	);
}
