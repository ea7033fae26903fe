import { repos } from "@proliferate/services";
import { z } from "zod";
import { orgProcedure } from "../orpc";
import { allowsLocalRepos } from "./session-deps";

const repoId = z.uuid();

const sourceSchema = z.discriminatedUnion("kind", [
	z.object({ kind: z.literal("git_url"), url: z.string().trim().min(1).max(2000) }),
	z.object({ kind: z.literal("local_path"), path: z.string().trim().min(1).max(4096) }),
	z.object({ kind: z.literal("github"), fullName: z.string().trim().min(3).max(200) }),
]);

export const reposRouter = {
	list: orgProcedure
		.input(z.object({ search: z.string().trim().max(200).optional() }).optional())
		.handler(({ context, input }) =>
			repos.listRepos(context.web.services, {
				organizationId: context.organization.id,
				...(input?.search ? { search: input.search } : {}),
			}),
		),

	get: orgProcedure
		.input(z.object({ repoId }))
		.handler(({ context, input }) =>
			repos.getRepo(context.web.services, { organizationId: context.organization.id, repoId: input.repoId }),
		),

	/** Which sources the add dialog offers. */
	sources: orgProcedure.handler(({ context }) => ({
		localPaths: allowsLocalRepos(context.web),
		github: false,
	})),

	add: orgProcedure
		.input(z.object({ source: sourceSchema, name: z.string().trim().max(200).optional() }))
		.handler(({ context, input }) =>
			repos.addRepo(context.web.services, {
				organizationId: context.organization.id,
				createdBy: context.viewer.user.id,
				source: input.source,
				...(input.name ? { name: input.name } : {}),
				allowLocalPaths: allowsLocalRepos(context.web),
				github: null,
			}),
		),

	/** Repositories the organization's GitHub connection can see (GITHUB_NOT_CONNECTED without one). */
	github: orgProcedure
		.input(z.object({ search: z.string().trim().max(200).optional() }).optional())
		.handler(({ context, input }) =>
			repos.listGithubRepositories(context.web.services, {
				organizationId: context.organization.id,
				github: null,
				...(input?.search ? { search: input.search } : {}),
			}),
		),

	delete: orgProcedure.input(z.object({ repoId })).handler(async ({ context, input }) => {
		await repos.deleteRepo(context.web.services, {
			organizationId: context.organization.id,
			repoId: input.repoId,
		});
		return { deleted: true };
	}),
};
