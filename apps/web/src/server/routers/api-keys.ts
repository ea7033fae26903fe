import { apiKeys } from "@proliferate/services";
import { z } from "zod";
import { orgProcedure } from "../orpc";

const actorOf = (context: {
	organization: { id: string };
	viewer: { user: { id: string } };
	role: "owner" | "admin" | "member";
}) => ({
	organizationId: context.organization.id,
	userId: context.viewer.user.id,
	role: context.role,
});

export const apiKeysRouter = {
	list: orgProcedure.handler(({ context }) =>
		apiKeys.listApiKeys(context.web.services, { organizationId: context.organization.id }),
	),

	/** Returns the key's secret once; only its hash is kept. */
	create: orgProcedure
		.input(z.object({ name: z.string().trim().min(1).max(64) }))
		.handler(({ context, input }) =>
			apiKeys.createApiKey(context.web.services, { actor: actorOf(context), name: input.name }),
		),

	revoke: orgProcedure
		.input(z.object({ apiKeyId: z.string().min(1).max(100) }))
		.handler(({ context, input }) =>
			apiKeys.revokeApiKey(context.web.services, { actor: actorOf(context), apiKeyId: input.apiKeyId }),
		),
};
