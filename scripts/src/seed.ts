import { join } from "node:path";
import { createDemoRepo } from "@proliferate/demo-repo";
import { createDb, orgs, repos, type ServiceContext } from "@proliferate/services";
import { setCredentialPassword } from "@proliferate/services/auth";

export const demoAccount = {
	name: "Demo User",
	email: "demo@proliferate.local",
	password: "proliferate-demo",
	organizationName: "Demo",
	repoName: "demo-app",
} as const;

export interface SeedResult {
	userId: string;
	organizationId: string;
	repoId: string;
	repoPath: string;
	created: boolean;
}

/** Hook for the auth subsystem to give the demo user a password it can sign in with. */
export type SetDemoPassword = (
	context: ServiceContext,
	params: { userId: string; password: string },
) => Promise<void>;

/**
 * Seeds the demo organization: a verified user, their organization, and a local git repository
 * holding the demo app. Idempotent: a second run finds and reuses everything.
 */
export async function seedDemo(params: {
	databaseUrl: string;
	dataDirectory: string;
	setPassword?: SetDemoPassword;
}): Promise<SeedResult> {
	const handle = createDb(params.databaseUrl, { max: 2 });
	const context: ServiceContext = { db: handle.db };
	try {
		const repoPath = join(params.dataDirectory, "demo-repos", demoAccount.repoName);
		const demoRepo = createDemoRepo(repoPath);
		let created = false;
		let user = await orgs.findUserByEmail(context, demoAccount.email);
		if (!user) {
			user = await orgs.createUser(context, {
				name: demoAccount.name,
				email: demoAccount.email,
				emailVerified: true,
			});
			created = true;
		}
		// The demo user signs in with email + password (stored as better-auth's scrypt hash).
		await (params.setPassword ?? setCredentialPassword)(context, {
			userId: user.id,
			password: demoAccount.password,
		});
		const memberships = await orgs.listForUser(context, { userId: user.id });
		const organization =
			memberships.find((membership) => membership.organization.name === demoAccount.organizationName)
				?.organization ??
			(await orgs.createOrganization(context, { name: demoAccount.organizationName, ownerUserId: user.id }));
		const existingRepos = await repos.listRepos(context, { organizationId: organization.id });
		const repo =
			existingRepos.find((candidate) => candidate.name === demoAccount.repoName) ??
			(await repos.createRepo(context, {
				organizationId: organization.id,
				name: demoAccount.repoName,
				url: demoRepo.path,
				sourceKind: "local_path",
				defaultBranch: demoRepo.defaultBranch,
				createdBy: user.id,
			}));
		return {
			userId: user.id,
			organizationId: organization.id,
			repoId: repo.id,
			repoPath: demoRepo.path,
			created,
		};
	} finally {
		await handle.close();
	}
}
