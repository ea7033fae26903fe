import { integrations } from "@proliferate/services";
import { DomainError } from "@proliferate/shared/errors";
import { z } from "zod";
import { githubAppAvailability, githubConfig } from "../github";
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

	/** Whether the deployment's GitHub App can be installed from the page, or which settings an operator must add. */
	githubApp: orgProcedure.handler(({ context }) => {
		const availability = githubAppAvailability(context.web.env);
		return availability.configured
			? { configured: true as const, slug: availability.slug, missing: [] as string[] }
			: { configured: false as const, slug: null, missing: availability.missing };
	}),

	/**
	 * Starts installing the GitHub App: GitHub's installation page with a signed, single-use `state`
	 * bound to this organization and user (10 minutes); GitHub returns to the Setup URL route.
	 */
	startGithubAppInstall: orgProcedure.handler(async ({ context }) => {
		requireManager(context.role);
		const availability = githubAppAvailability(context.web.env);
		if (!availability.configured) throw new integrations.GithubAppNotConfiguredError();
		// Refuse before GitHub rather than after: the connection could not be stored.
		githubConfig(context.web.env);
		const state = await integrations.createGithubAppState(context.web.services, {
			organizationId: context.organization.id,
			userId: context.viewer.user.id,
			secret: context.web.env.AUTH_SECRET,
		});
		const url = new URL(availability.installUrl);
		url.searchParams.set("state", state);
		return { url: url.toString() };
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
