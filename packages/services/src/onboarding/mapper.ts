export type OnboardingStepId = "organization" | "repository" | "session";

export interface OnboardingStep {
	id: OnboardingStepId;
	title: string;
	done: boolean;
	/** Where the step is carried out in the web app. */
	href: string;
}

export interface Onboarding {
	organizationId: string;
	steps: OnboardingStep[];
	/** The first step not done yet (null when complete). */
	current: OnboardingStepId | null;
	completed: boolean;
	dismissed: boolean;
}

/** The checklist for an organization's stored progress. */
export function toOnboarding(progress: {
	organizationId: string;
	repoConnectedAt: Date | null;
	firstSessionStartedAt: Date | null;
	dismissedAt: Date | null;
}): Onboarding {
	const steps: OnboardingStep[] = [
		{ id: "organization", title: "Create or join an organization", done: true, href: "/onboarding" },
		{
			id: "repository",
			title: "Connect a repository",
			done: Boolean(progress.repoConnectedAt),
			href: "/repos",
		},
		{
			id: "session",
			title: "Start your first session",
			done: Boolean(progress.firstSessionStartedAt),
			href: "/sessions/new",
		},
	];
	return {
		organizationId: progress.organizationId,
		steps,
		current: steps.find((step) => !step.done)?.id ?? null,
		completed: Boolean(progress.repoConnectedAt && progress.firstSessionStartedAt),
		dismissed: Boolean(progress.dismissedAt),
	};
}
