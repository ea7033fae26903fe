import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { refExists } from "./git-http";
import { page, readBody, send } from "./http";
import type { FakeGithubState } from "./state";

export async function restRoutes(
	state: FakeGithubState,
	request: IncomingMessage,
	response: ServerResponse,
	path: URL,
): Promise<void> {
	const { repositories, installations, installers, pulls } = state;
	const token = (request.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "");
	const who = state.principalOf(token);
	if (!who)
		return send(response, 401, {
			message: "Bad credentials",
			documentation_url: "https://docs.github.com/rest",
		});
	const isUser = !who.startsWith("installation:") && who !== "app";
	const route = `${request.method} ${path.pathname}`;
	const installationMatch = route.match(/^(GET|POST) \/app\/installations\/(\d+)(\/access_tokens)?$/);
	const repoMatch = path.pathname.match(/^\/repos\/([\w.-]+)\/([\w.-]+)(\/pulls)?$/);

	if (route === "GET /user" && isUser) {
		const user = state.ensureUser(who);
		return send(response, 200, {
			login: user.login,
			id: user.id,
			name: user.name,
			email: null,
			avatar_url: null,
			type: "User",
		});
	}
	if (route === "GET /user/installations" && isUser) {
		const accessible = [...installations]
			.filter(([id, account]) => account === who || installers.get(id)?.has(who))
			.map(([id, account]) => ({ id: Number(id), account: { login: account }, app_id: Number(state.appId) }));
		const { items, headers } = page(accessible, path, state.url);
		return send(response, 200, { total_count: accessible.length, installations: items }, headers);
	}
	if (route === "GET /user/emails" && isUser) return send(response, 200, state.ensureUser(who).emails);
	if (route === "GET /user/repos" && isUser) {
		const visible = [...repositories.keys()]
			.filter((name) => state.canWrite(who, name))
			.sort()
			.map((name) => state.repoJson(name));
		const { items, headers } = page(visible, path, state.url);
		return send(response, 200, items, headers);
	}
	if (route === "GET /installation/repositories" && who.startsWith("installation:")) {
		const login = who.slice("installation:".length);
		const owned = [...repositories.keys()]
			.filter((name) => name.startsWith(`${login}/`))
			.sort()
			.map((name) => state.repoJson(name));
		const { items, headers } = page(owned, path, state.url);
		return send(response, 200, { total_count: owned.length, repositories: items }, headers);
	}
	if (installationMatch && who === "app") {
		const [, method, id = "", tokens] = installationMatch;
		const login = installations.get(id);
		if (!login) return send(response, 404, { message: "Not Found" });
		if (method === "GET" && !tokens) {
			return send(response, 200, { id: Number(id), account: { login, type: "Organization" } });
		}
		if (method === "POST" && tokens) {
			const issued = `ghs_${randomBytes(18).toString("hex")}`;
			const expires = Date.now() + 3600_000;
			state.installationTokens.set(issued, { login, expires });
			state.minted.push(id);
			return send(response, 201, {
				token: issued,
				expires_at: new Date(expires).toISOString(),
				permissions: { contents: "write", pull_requests: "write", metadata: "read" },
				repository_selection: "all",
			});
		}
	}
	if (repoMatch) {
		const [, owner = "", name = "", pullsPath] = repoMatch;
		const fullName = `${owner}/${name}`;
		if (!state.canRead(who, fullName)) return send(response, 404, { message: "Not Found" });
		if (!pullsPath && request.method === "GET") return send(response, 200, state.repoJson(fullName));
		if (pullsPath && request.method === "GET") {
			const head = path.searchParams.get("head");
			const state = path.searchParams.get("state") ?? "open";
			return send(
				response,
				200,
				pulls
					.filter(
						(pull) =>
							pull.repo === fullName &&
							(!head || `${owner}:${pull.head}` === head) &&
							["open", "all"].includes(state),
					)
					.map((pull) => ({
						number: pull.number,
						html_url: pull.htmlUrl,
						state: "open",
						title: pull.title,
					})),
			);
		}
		if (pullsPath && request.method === "POST") {
			if (!state.canWrite(who, fullName))
				return send(response, 403, { message: "Resource not accessible by integration" });
			let body: Record<string, string>;
			try {
				body = await readBody(request);
			} catch {
				return send(response, 400, { message: "Problems parsing JSON" });
			}
			const { head, base, title } = body;
			if (!head || !base || !title) {
				return send(response, 422, {
					message: "Validation Failed",
					errors: [{ message: "head, base and title are required" }],
				});
			}
			const gitDir = repositories.get(fullName)?.gitDir;
			if (gitDir) {
				const [headSha, baseSha] = await Promise.all([refExists(gitDir, head), refExists(gitDir, base)]);
				if (!headSha || !baseSha) {
					return send(response, 422, {
						message: "Validation Failed",
						errors: [{ resource: "PullRequest", field: headSha ? "base" : "head", code: "invalid" }],
					});
				}
				if (headSha === baseSha) {
					return send(response, 422, {
						message: "Validation Failed",
						errors: [{ message: `No commits between ${base} and ${head}` }],
					});
				}
			} else if (head === base) {
				return send(response, 422, {
					message: "Validation Failed",
					errors: [{ message: `No commits between ${base} and ${head}` }],
				});
			}
			if (pulls.some((pull) => pull.repo === fullName && pull.head === head)) {
				return send(response, 422, {
					message: "Validation Failed",
					errors: [{ message: `A pull request already exists for ${owner}:${head}.` }],
				});
			}
			const number = pulls.length + 1;
			const htmlUrl = `https://github.com/${fullName}/pull/${number}`;
			pulls.push({ number, repo: fullName, head, base, title, body: String(body.body ?? ""), htmlUrl });
			return send(response, 201, {
				number,
				html_url: htmlUrl,
				state: "open",
				title,
				head: { ref: head },
				base: { ref: base },
			});
		}
	}
	return send(response, 404, { message: "Not Found" });
}
