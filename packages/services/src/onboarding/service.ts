import type { ServiceContext } from "../context";
import * as onboardingDb from "./db";
import { type Onboarding, toOnboarding } from "./mapper";

/**
 * The first-run flow of an organization: be in an organization (true once it is asked about),
 * connect a repository, start a first session. Progress is stored per organization the first time
 * each step is seen done, so deleting the repository later does not send people back.
 */
export async function getOnboarding(
	context: ServiceContext,
	params: { organizationId: string },
): Promise<Onboarding> {
	const stored = await onboardingDb.findOnboarding(context.db, params);
	let repoConnectedAt = stored?.repoConnectedAt ?? null;
	let firstSessionStartedAt = stored?.firstSessionStartedAt ?? null;
	const now = new Date();
	if (!repoConnectedAt && (await onboardingDb.countRepos(context.db, params)) > 0) repoConnectedAt = now;
	if (!firstSessionStartedAt && (await onboardingDb.countSessions(context.db, params)) > 0)
		firstSessionStartedAt = now;
	const completed = Boolean(repoConnectedAt && firstSessionStartedAt);
	const changed =
		!stored ||
		repoConnectedAt !== (stored.repoConnectedAt ?? null) ||
		firstSessionStartedAt !== (stored.firstSessionStartedAt ?? null);
	if (changed) {
		await onboardingDb.upsertOnboarding(context.db, {
			organizationId: params.organizationId,
			repoConnectedAt,
			firstSessionStartedAt,
			completedAt: completed ? (stored?.completedAt ?? now) : null,
		});
	}
	return toOnboarding({
		organizationId: params.organizationId,
		repoConnectedAt,
		firstSessionStartedAt,
		dismissedAt: stored?.dismissedAt ?? null,
	});
}

/** Hides the onboarding checklist for the organization. */
export async function dismissOnboarding(
	context: ServiceContext,
	params: { organizationId: string },
): Promise<void> {
	await onboardingDb.upsertOnboarding(context.db, {
		organizationId: params.organizationId,
		dismissedAt: new Date(),
	});
}
