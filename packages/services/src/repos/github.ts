import { z } from "zod";
import { GithubRequestError } from "./errors";

/** A repository as the GitHub connection sees it. */
export interface GithubRepository {
	fullName: string;
	cloneUrl: string;
	htmlUrl: string;
	defaultBranch: string;
	private: boolean;
	description: string | null;
}

/** The part of the GitHub REST API repository import needs (real client below; tests serve the protocol locally). */
export interface GithubRepositorySource {
	listRepositories(params?: { search?: string }): Promise<GithubRepository[]>;
	getRepository(fullName: string): Promise<GithubRepository>;
}

const repositorySchema = z.object({
	full_name: z.string(),
	clone_url: z.string(),
	html_url: z.string(),
	default_branch: z.string(),
	private: z.boolean(),
	description: z.string().nullable().optional(),
});

const fullNamePattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

function toRepository(raw: z.infer<typeof repositorySchema>): GithubRepository {
	return {
		fullName: raw.full_name,
		cloneUrl: raw.clone_url,
		htmlUrl: raw.html_url,
		defaultBranch: raw.default_branch,
		private: raw.private,
		description: raw.description ?? null,
	};
}

/** GitHub REST client with a user or installation token (`GITHUB_API_URL` for Enterprise or a test server). */
export function createGithubRepositorySource(options: {
	apiUrl: string;
	token: string;
	fetch?: typeof fetch;
}): GithubRepositorySource {
	const doFetch = options.fetch ?? fetch;
	const base = options.apiUrl.replace(/\/$/, "");
	async function get(path: string): Promise<unknown> {
		let response: Response;
		try {
			response = await doFetch(`${base}${path}`, {
				headers: {
					accept: "application/vnd.github+json",
					authorization: `Bearer ${options.token}`,
					"x-github-api-version": "2022-11-28",
					"user-agent": "proliferate",
				},
				signal: AbortSignal.timeout(15_000),
			});
		} catch (error) {
			throw new GithubRequestError(
				503,
				`GitHub did not answer: ${error instanceof Error ? error.message : error}`,
			);
		}
		if (!response.ok) {
			const body = (await response.json().catch(() => ({}))) as { message?: string };
			throw new GithubRequestError(
				response.status,
				`GitHub answered ${response.status}: ${body.message ?? "error"}`,
			);
		}
		return response.json();
	}
	return {
		async listRepositories(params = {}) {
			const raw = z.array(repositorySchema).parse(await get("/user/repos?per_page=100&sort=updated"));
			const search = params.search?.trim().toLowerCase();
			return raw
				.map(toRepository)
				.filter((repository) => !search || repository.fullName.toLowerCase().includes(search));
		},
		async getRepository(fullName) {
			if (!fullNamePattern.test(fullName)) throw new GithubRequestError(404, `${fullName} is not owner/name`);
			return toRepository(repositorySchema.parse(await get(`/repos/${fullName}`)));
		},
	};
}
