import { integrations, repos } from "@proliferate/services";
import { z } from "zod";
import { connectedGithubConfig } from "../github";
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

	/**
	 * What the add dialog offers: local paths (self-hosted mode only), and GitHub through the
	 * organization's connections (their accounts; whether the caller may connect one).
	 */
	sources: orgProcedure.handler(async ({ context }) => {
		const connections = await integrations.listConnections(context.web.services, {
			organizationId: context.organization.id,
		});
		const accounts = connections
			.filter((connection) => connection.provider === "github")
			.map((connection) => connection.accountLogin);
		return {
			localPaths: allowsLocalRepos(context.web),
			github: {
				connected: accounts.length > 0,
				accounts,
				canConnect: context.role === "owner" || context.role === "admin",
			},
		};
	}),

	add: orgProcedure
		.input(z.object({ source: sourceSchema, name: z.string().trim().max(200).optional() }))
		.handler(async ({ context, input }) =>
			repos.addRepo(context.web.services, {
				organizationId: context.organization.id,
				createdBy: context.viewer.user.id,
				source: input.source,
				...(input.name ? { name: input.name } : {}),
				allowLocalPaths: allowsLocalRepos(context.web),
				...(input.source.kind === "github"
					? { github: await connectedGithubConfig(context.web, context.organization.id) }
					: {}),
			}),
		),

	/**
	 * Repositories the organization's GitHub connections can import, private ones included
	 * (GITHUB_NOT_CONNECTED without a connection).
	 */
	github: orgProcedure
		.input(z.object({ search: z.string().trim().max(200).optional() }).optional())
		.handler(async ({ context, input }) =>
			repos.listGithubRepositories(
				context.web.services,
				{ organizationId: context.organization.id, ...(input?.search ? { search: input.search } : {}) },
				await connectedGithubConfig(context.web, context.organization.id),
			),
		),

	delete: orgProcedure.input(z.object({ repoId })).handler(async ({ context, input }) => {
		await repos.deleteRepo(context.web.services, {
			organizationId: context.organization.id,
			repoId: input.repoId,
		});
		return { deleted: true };
	}),
};
