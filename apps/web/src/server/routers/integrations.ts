import { integrations } from "@proliferate/services";
import { DomainError } from "@proliferate/shared/errors";
import { z } from "zod";
import { githubConfig } from "../github";
import { orgProcedure } from "../orpc";

function requireManager(role: "owner" | "admin" | "member"): void {
	if (role === "member") {
		throw new DomainError("forbidden", "ADMIN_REQUIRED", "Only owners and admins manage connections");
	}
}

/** The organization's connections to outside systems (GitHub today): repository import and pull requests. */
export const integrationsRouter = {
	list: orgProcedure.handler(({ context }) =>
		integrations.listConnections(context.web.services, { organizationId: context.organization.id }),
	),

	/** Connects GitHub with a personal or fine-grained token; GitHub checks it first, then it is sealed. */
	connectGithubToken: orgProcedure
		.input(z.object({ token: z.string().trim().min(10).max(400) }))
		.handler(({ context, input }) => {
			requireManager(context.role);
			return integrations.connectGithubToken(
				context.web.services,
				{ organizationId: context.organization.id, token: input.token, createdBy: context.viewer.user.id },
				githubConfig(context.web.env),
			);
		}),

	remove: orgProcedure
		.input(z.object({ connectionId: z.string().min(1).max(100) }))
		.handler(async ({ context, input }) => {
			requireManager(context.role);
			await integrations.removeConnection(context.web.services, {
				organizationId: context.organization.id,
				connectionId: input.connectionId,
			});
			return { removed: true };
		}),
};
