import { repos } from "@proliferate/services";
import { z } from "zod";
import type { WebContext } from "../context";
import { orgProcedure } from "../orpc";
import type { Viewer } from "../viewer";
import { allowsLocalRepos } from "./session-deps";

const repoId = z.uuid();

/** The caller's GitHub connection (their GitHub sign-in), or null. */
function githubFor(context: { web: WebContext; viewer: Viewer }) {
	return repos.githubSourceForUser(context.web.services, {
		userId: context.viewer.user.id,
		apiUrl: context.web.env.GITHUB_API_URL,
	});
}

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
	sources: orgProcedure.handler(async ({ context }) => ({
		localPaths: allowsLocalRepos(context.web),
		github: (await githubFor(context)) !== null,
	})),

	add: orgProcedure
		.input(z.object({ source: sourceSchema, name: z.string().trim().max(200).optional() }))
		.handler(async ({ context, input }) =>
			repos.addRepo(context.web.services, {
				organizationId: context.organization.id,
				createdBy: context.viewer.user.id,
				source: input.source,
				...(input.name ? { name: input.name } : {}),
				allowLocalPaths: allowsLocalRepos(context.web),
				github: input.source.kind === "github" ? await githubFor(context) : null,
			}),
		),

	/** Repositories the caller's GitHub connection can see (GITHUB_NOT_CONNECTED without one). */
	github: orgProcedure
		.input(z.object({ search: z.string().trim().max(200).optional() }).optional())
		.handler(async ({ context, input }) =>
			repos.listGithubRepositories(context.web.services, {
				organizationId: context.organization.id,
				github: await githubFor(context),
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
