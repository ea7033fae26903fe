import { integrations } from "@proliferate/services";
import { DomainError } from "@proliferate/shared/errors";
import { z } from "zod";
import type { WebEnv } from "../env";
import { orgProcedure } from "../orpc";

/** GitHub settings for the organization's connections; refuses clearly when the key to seal tokens is missing. */
function githubConfig(env: WebEnv): integrations.GithubConfig {
	if (!env.SECRETS_ENCRYPTION_KEY) {
		throw new DomainError(
			"precondition_failed",
			"SECRETS_ENCRYPTION_KEY_MISSING",
			"Connecting GitHub needs SECRETS_ENCRYPTION_KEY (64 hex characters) in the web app's configuration",
		);
	}
	return { apiUrl: env.GITHUB_API_URL, secretBox: new integrations.SecretBox(env.SECRETS_ENCRYPTION_KEY) };
}

function requireManager(role: "owner" | "admin" | "member"): void {
	if (role === "member") {
		throw new DomainError("forbidden", "ADMIN_REQUIRED", "Only owners and admins manage connections");
	}
}

/** The organization's connections to outside systems (GitHub today), used for pull requests. */
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
