import { onboarding } from "@proliferate/services";
import { orgProcedure } from "../orpc";

export const onboardingRouter = {
	get: orgProcedure.handler(({ context }) =>
		onboarding.getOnboarding(context.web.services, { organizationId: context.organization.id }),
	),
	dismiss: orgProcedure.handler(({ context }) =>
		onboarding.dismissOnboarding(context.web.services, { organizationId: context.organization.id }),
	),
};
