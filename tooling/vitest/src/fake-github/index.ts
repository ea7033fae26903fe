import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gitRoute } from "./git-http";
import { send } from "./http";
import { installPageRoute, oauthRoutes } from "./oauth";
import { restRoutes } from "./rest";
import { FakeGithubState } from "./state";
import type { FakeGithub } from "./types";

export type { FakeGithub, FakeGithubRepositoryOptions, FakeGithubUser, InstallPageOptions } from "./types";

const fullNamePattern = /^([\w.-]+)\/([\w.-]+)$/;

/**
 * A local HTTP server speaking the slice of GitHub the platform uses (see `FakeGithub`): OAuth and
 * the App's installation page (`oauth.ts`), REST (`rest.ts`) and git smart HTTP (`git-http.ts`),
 * over one state with GitHub's visibility rules (`state.ts`).
 */
export async function createFakeGithub(
	options: { oauth?: { clientId: string; clientSecret: string } } = {},
): Promise<FakeGithub> {
	const state = new FakeGithubState(options.oauth);

	const server = createServer(async (request, response) => {
		const path = new URL(request.url ?? "/", "http://x");
		state.requests.push({
			method: request.method ?? "GET",
			path: path.pathname,
			auth: request.headers.authorization ?? "",
		});
		try {
			if (
				state.failures.count > 0 &&
				(state.failures.path === undefined || state.failures.path === path.pathname)
			) {
				state.failures.count--;
				return send(response, state.failures.status, { message: "Server Error" });
			}
			if (installPageRoute(state, request, response, path)) return;
			if (await oauthRoutes(state, request, response, path)) return;
			if (await gitRoute(state, request, response, path)) return;
			await restRoutes(state, request, response, path);
		} catch (error) {
			if (!response.headersSent) send(response, 500, { message: String(error) });
			else response.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	return {
		url: state.url,
		oauth: state.oauth,
		signInAs(user) {
			state.users.set(user.login, user);
			state.signInLogin = user.login;
		},
		addUserToken(login) {
			state.ensureUser(login);
			const token = `ghp_${randomBytes(18).toString("hex")}`;
			state.userTokens.set(token, login);
			return token;
		},
		revokeToken(token) {
			state.userTokens.delete(token);
			state.installationTokens.delete(token);
		},
		app: {
			appId: state.appId,
			privateKey: state.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
			clientId: state.appOAuth.clientId,
			clientSecret: state.appOAuth.clientSecret,
			slug: state.appSlug,
			installationId: (login) => state.installationIdFor(login),
			onInstall(options) {
				state.installPage = options;
			},
		},
		addRepository(fullName, options = {}) {
			if (!fullNamePattern.test(fullName)) throw new Error(`${fullName} is not owner/name`);
			let gitDir: string | null = null;
			let defaultBranch = options.defaultBranch ?? "main";
			if (options.source) {
				gitDir = join(state.gitRoot, `${fullName}.git`);
				mkdirSync(join(state.gitRoot, fullName.split("/")[0] ?? ""), { recursive: true });
				rmSync(gitDir, { recursive: true, force: true });
				execFileSync("git", ["clone", "--quiet", "--bare", options.source, gitDir]);
				execFileSync("git", ["--git-dir", gitDir, "config", "http.receivepack", "true"]);
				if (options.defaultBranch) {
					execFileSync("git", [
						"--git-dir",
						gitDir,
						"symbolic-ref",
						"HEAD",
						`refs/heads/${options.defaultBranch}`,
					]);
				} else {
					defaultBranch = execFileSync("git", ["--git-dir", gitDir, "symbolic-ref", "--short", "HEAD"])
						.toString()
						.trim();
				}
			}
			state.repositories.set(fullName, {
				defaultBranch,
				private: options.private ?? false,
				collaborators: options.collaborators ?? [],
				gitDir,
			});
		},
		gitDir(fullName) {
			const gitDir = state.repositories.get(fullName)?.gitDir;
			if (!gitDir) throw new Error(`${fullName} has no git history in the fake`);
			return gitDir;
		},
		failNext(count, status, path) {
			state.failures = { count, status, ...(path === undefined ? {} : { path }) };
		},
		pulls: state.pulls,
		requests: state.requests,
		installationTokensMinted: (installationId) =>
			state.minted.filter((id) => installationId === undefined || id === installationId).length,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => {
					rmSync(state.gitRoot, { recursive: true, force: true });
					resolve();
				});
			}),
	};
}
