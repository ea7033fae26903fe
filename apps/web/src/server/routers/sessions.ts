import { sessions } from "@proliferate/services";
import { z } from "zod";
import * as lifecycle from "../gateway/session-lifecycle";
import { orgProcedure } from "../orpc";
import { configuredModels, lifecycleDeps } from "./session-deps";

const sessionId = z.uuid();
const bySession = z.object({ sessionId });

export const sessionsRouter = {
	/** Sessions of the active organization, newest first, filtered by status, repository or creator. */
	list: orgProcedure
		.input(
			z
				.object({
					statuses: z.array(z.enum(sessions.sessionStatuses)).max(6).optional(),
					repoId: z.uuid().optional(),
					mine: z.boolean().optional(),
					limit: z.number().int().min(1).max(500).optional(),
				})
				.optional(),
		)
		.handler(({ context, input }) =>
			sessions.listSessions(context.web.services, {
				organizationId: context.organization.id,
				...(input?.statuses?.length ? { statuses: input.statuses } : {}),
				...(input?.repoId ? { repoId: input.repoId } : {}),
				...(input?.mine ? { createdBy: context.viewer.user.id } : {}),
				limit: input?.limit ?? 100,
			}),
		),

	get: orgProcedure
		.input(bySession)
		.handler(({ context, input }) =>
			sessions.getSession(context.web.services, { organizationId: context.organization.id, ...input }),
		),

	/** Creates the session through the gateway (which boots it in the background) and returns it at once. */
	create: orgProcedure
		.input(
			z.object({
				repoId: z.uuid(),
				branch: z.string().trim().max(200).optional(),
				modelId: z.string().trim().max(200).optional(),
				title: z.string().trim().max(200).optional(),
				initialPrompt: z.string().max(100_000).optional(),
			}),
		)
		.handler(({ context, input }) =>
			lifecycle.startSession(lifecycleDeps(context.web), {
				organizationId: context.organization.id,
				userId: context.viewer.user.id,
				repoId: input.repoId,
				branch: input.branch ?? null,
				modelId: input.modelId ?? null,
				title: input.title ?? null,
				initialPrompt: input.initialPrompt ?? null,
				models: configuredModels(context.web),
			}),
		),

	rename: orgProcedure
		.input(z.object({ sessionId, title: z.string().trim().min(1).max(200) }))
		.handler(({ context, input }) =>
			sessions.renameSession(context.web.services, { organizationId: context.organization.id, ...input }),
		),

	pause: orgProcedure.input(bySession).handler(({ context, input }) =>
		lifecycle.pauseSession(lifecycleDeps(context.web), {
			organizationId: context.organization.id,
			userId: context.viewer.user.id,
			...input,
		}),
	),

	resume: orgProcedure.input(bySession).handler(({ context, input }) =>
		lifecycle.resumeSession(lifecycleDeps(context.web), {
			organizationId: context.organization.id,
			userId: context.viewer.user.id,
			...input,
		}),
	),

	snapshot: orgProcedure.input(bySession).handler(({ context, input }) =>
		lifecycle.snapshotSession(lifecycleDeps(context.web), {
			organizationId: context.organization.id,
			userId: context.viewer.user.id,
			...input,
		}),
	),

	delete: orgProcedure.input(bySession).handler(async ({ context, input }) => {
		await lifecycle.removeSession(lifecycleDeps(context.web), {
			organizationId: context.organization.id,
			userId: context.viewer.user.id,
			...input,
		});
		return { deleted: true };
	}),

	/** A public, unguessable link to a port of the session's sandbox (the preview's "share" button). */
	shareLink: orgProcedure
		.input(z.object({ sessionId, port: z.number().int().min(1).max(65535) }))
		.handler(({ context, input }) =>
			lifecycle.createPreviewLink(lifecycleDeps(context.web), {
				organizationId: context.organization.id,
				userId: context.viewer.user.id,
				...input,
			}),
		),
};
