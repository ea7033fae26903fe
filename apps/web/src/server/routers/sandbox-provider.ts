import { z } from "zod";
import { chooseSandboxProvider, getSandboxProviderSettings } from "../gateway/sandbox-providers";
import { orgProcedure } from "../orpc";
import { lifecycleDeps } from "./session-deps";

/** The sandbox provider the organization's new sessions run on (the gateway says which are configured). */
export const sandboxProviderRouter = {
	/** Any member: the organization's override, the deployment default and every provider's configuration. */
	get: orgProcedure.handler(({ context }) =>
		getSandboxProviderSettings(lifecycleDeps(context.web), {
			organizationId: context.organization.id,
			userId: context.viewer.user.id,
		}),
	),

	/** Owners and admins: pick a configured provider, or null to follow the deployment default. */
	set: orgProcedure
		.input(z.object({ provider: z.enum(["local", "e2b", "modal"]).nullable() }))
		.handler(({ context, input }) =>
			chooseSandboxProvider(lifecycleDeps(context.web), {
				actor: {
					organizationId: context.organization.id,
					userId: context.viewer.user.id,
					role: context.role,
				},
				provider: input.provider,
			}),
		),
};
