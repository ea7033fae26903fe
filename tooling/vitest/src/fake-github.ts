import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from "node:child_process";
import { createVerify, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A GitHub account as the OAuth flow and `/user`, `/user/emails` show it. */
export interface FakeGithubUser {
	id: number;
	login: string;
	name: string;
	emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface FakeGithubRepositoryOptions {
	/** Defaults to the source's HEAD branch, else "main". */
	defaultBranch?: string;
	private?: boolean;
	/** Users (besides the owner) whose tokens see and push to the repository. */
	collaborators?: string[];
	/** A git repository whose history is served (bare copy) at the repository's clone URL. */
	source?: string;
}

/**
 * A local HTTP server speaking the slice of GitHub the platform uses, with real checks:
 *
 * - REST (`Authorization: token|bearer`): `/user`, `/user/emails`, `/user/repos`,
 *   `/installation/repositories` (paginated with `Link` headers like GitHub), `/repos/{owner}/{repo}`,
 *   `/repos/{owner}/{repo}/pulls` (list, create; duplicate, empty and unknown-branch pull requests are
 *   refused as GitHub does), `/app/installations/{id}` and `/app/installations/{id}/access_tokens`
 *   (RS256 app JWTs verified with the app's public key; installation tokens expire after an hour).
 * - OAuth web flow: `/login/oauth/authorize` (redirects back with a code) and
 *   `/login/oauth/access_token` (checks the client credentials and the code; a code is single-use and
 *   only exchanged by the client it was issued for: the sign-in OAuth app or the GitHub App's own
 *   OAuth client `app.clientId`/`app.clientSecret`).
 * - The App's installation page `/apps/{slug}/installations/new?state=…`: the user approving at once,
 *   it redirects to the Setup URL given to `app.onInstall` with `installation_id`, `setup_action`,
 *   a `code` for the installing user ("Request user authorization (OAuth) during installation") and
 *   the `state` unchanged. `GET /user/installations` (a user token) lists the App's installations
 *   that user can access: the ones on their account and the ones they installed.
 * - Git smart HTTP at each repository's `clone_url` (`git http-backend`), for repositories added with
 *   a `source`: private repositories need a token (HTTP Basic, any user name), pushes need write access.
 *
 * Visibility follows GitHub: a private repository exists only for its owner's tokens, its
 * collaborators' tokens and the owner's app installation; everyone else gets 404.
 */
export interface FakeGithub {
	url: string;
	/** The OAuth app the authorize and token endpoints accept. */
	oauth: { clientId: string; clientSecret: string };
	/** The account the next OAuth authorization signs in as (created or updated). */
	signInAs(user: FakeGithubUser): void;
	/** A personal access token for `login` (the account is created when new). */
	addUserToken(login: string): string;
	/** Revokes a personal, OAuth or installation token (GitHub then answers 401 Bad credentials). */
	revokeToken(token: string): void;
	/** A GitHub App whose JWTs it verifies, with one installation per account login. */
	app: {
		appId: string;
		privateKey: string;
		/** The App's own OAuth client (exchanges the `code` sent with an installation). */
		clientId: string;
		clientSecret: string;
		/** github.com/apps/<slug> */
		slug: string;
		installationId: (login: string) => string;
		/**
		 * What the installation page does from now on: redirect to `setupUrl` with the installation on
		 * `account` (created when new, and then accessible to `installer`; or `installationId` as given,
		 * known or not, which the installer gains no access to) and `setup_action=install`, or with
		 * `setup_action=request` and no installation (a member asking an organization owner to approve).
		 * Either way with a `code` the App's OAuth client exchanges for a token of `installer` (default
		 * `account`), unless `authorize` is false (the App not requesting user authorization).
		 */
		onInstall(options: InstallPageOptions): void;
	};
	addRepository(fullName: string, options?: FakeGithubRepositoryOptions): void;
	/** The bare git repository served for `fullName` (added with a `source`). */
	gitDir(fullName: string): string;
	/**
	 * Makes the next `count` requests (only those to `path`, when given) answer `status` (e.g. 502)
	 * before behaving again.
	 */
	failNext(count: number, status: number, path?: string): void;
	pulls: {
		number: number;
		repo: string;
		head: string;
		base: string;
		title: string;
		body: string;
		htmlUrl: string;
	}[];
	/** Every request received, in order (`auth` is the Authorization header as sent). */
	requests: { method: string; path: string; auth: string }[];
	/** How many installation tokens were minted (POST /app/installations/{id}/access_tokens answered 201). */
	installationTokensMinted(installationId?: string): number;
	close(): Promise<void>;
}

export interface InstallPageOptions {
	setupUrl: string;
	/** The account (user or organization) the App is installed on. */
	account: string;
	/** The GitHub user installing it; defaults to `account`. */
	installer?: string;
	installationId?: string;
	setupAction?: "install" | "request";
	/** Whether GitHub sends a `code` with the installation; default true. */
	authorize?: boolean;
}

interface RepositoryRecord {
	defaultBranch: string;
	private: boolean;
	collaborators: string[];
	gitDir: string | null;
}

const fullNamePattern = /^([\w.-]+)\/([\w.-]+)$/;

export async function createFakeGithub(
	options: { oauth?: { clientId: string; clientSecret: string } } = {},
): Promise<FakeGithub> {
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const appId = "424242";
	const appSlug = "proliferate-test-app";
	let installPage: InstallPageOptions | undefined;
	const appOAuth = {
		clientId: `Iv23.${randomBytes(8).toString("hex")}`,
		clientSecret: randomBytes(20).toString("hex"),
	};
	const oauth = options.oauth ?? {
		clientId: `Iv1.${randomBytes(8).toString("hex")}`,
		clientSecret: randomBytes(20).toString("hex"),
	};
	const gitRoot = mkdtempSync(join(tmpdir(), "fake-github-git-"));
	const users = new Map<string, FakeGithubUser>();
	/** Personal and OAuth tokens → login. */
	const userTokens = new Map<string, string>();
	const installationTokens = new Map<string, { login: string; expires: number }>();
	const installations = new Map<string, string>();
	const minted: string[] = [];
	/** Code → the login it authorizes and the OAuth client it was issued to. */
	const oauthCodes = new Map<string, { login: string; clientId: string }>();
	/** Installation id → users who installed it (besides its account, who can always access it). */
	const installers = new Map<string, Set<string>>();
	let signInLogin = "octocat";
	const repositories = new Map<string, RepositoryRecord>();
	const pulls: FakeGithub["pulls"] = [];
	const requests: FakeGithub["requests"] = [];
	let failures: { count: number; status: number; path?: string } = { count: 0, status: 500 };
	let url = "";

	function ensureUser(login: string): FakeGithubUser {
		let user = users.get(login);
		if (!user) {
			user = { id: 1000 + users.size, login, name: login, emails: [] };
			users.set(login, user);
		}
		return user;
	}
	ensureUser(signInLogin);

	function send(
		response: ServerResponse,
		status: number,
		body: unknown,
		headers: Record<string, string> = {},
	) {
		response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
		response.end(JSON.stringify(body));
	}

	function verifyAppJwt(token: string): boolean {
		const [header, payload, signature] = token.split(".");
		if (!header || !payload || !signature) return false;
		const verifier = createVerify("RSA-SHA256");
		verifier.update(`${header}.${payload}`);
		if (!verifier.verify(publicKey, Buffer.from(signature, "base64url"))) return false;
		const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as {
			iss?: unknown;
			exp?: number;
		};
		return String(claims.iss) === appId && (claims.exp ?? 0) * 1000 > Date.now();
	}

	/** The login a token acts as, `installation:<login>` for an installation token, `app` for a valid app JWT, or null. */
	function principalOf(token: string): string | null {
		if (!token) return null;
		if (token.split(".").length === 3) return verifyAppJwt(token) ? "app" : null;
		const login = userTokens.get(token);
		if (login) return login;
		const installation = installationTokens.get(token);
		if (installation && installation.expires > Date.now()) return `installation:${installation.login}`;
		return null;
	}

	function canRead(who: string, fullName: string): boolean {
		const repository = repositories.get(fullName);
		if (!repository || who === "app") return false;
		return !repository.private || canWrite(who, fullName);
	}

	function canWrite(who: string, fullName: string): boolean {
		const repository = repositories.get(fullName);
		const owner = fullName.split("/")[0] ?? "";
		if (!repository) return false;
		return who === owner || who === `installation:${owner}` || repository.collaborators.includes(who);
	}

	async function readBody(request: IncomingMessage): Promise<Record<string, string>> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString();
		if (!text) return {};
		if ((request.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) {
			return Object.fromEntries(new URLSearchParams(text));
		}
		return JSON.parse(text) as Record<string, string>;
	}

	const repoJson = (fullName: string) => {
		const info = repositories.get(fullName);
		const [owner = "", name = ""] = fullName.split("/");
		return {
			id: [...repositories.keys()].indexOf(fullName) + 1,
			name,
			full_name: fullName,
			owner: { login: owner },
			private: info?.private ?? false,
			visibility: info?.private ? "private" : "public",
			description: null,
			html_url: `${url}/${fullName}`,
			clone_url: `${url}/git/${fullName}.git`,
			default_branch: info?.defaultBranch ?? "main",
		};
	};

	/** One page of `items` as GitHub pages lists (`per_page` up to 100, `page` from 1), with its Link header. */
	function page<T>(items: T[], path: URL): { items: T[]; headers: Record<string, string> } {
		const perPage = Math.min(Math.max(Number(path.searchParams.get("per_page") ?? 30) || 30, 1), 100);
		const current = Math.max(Number(path.searchParams.get("page") ?? 1) || 1, 1);
		const last = Math.max(Math.ceil(items.length / perPage), 1);
		const link = (target: number) => {
			const next = new URL(`${url}${path.pathname}`);
			next.searchParams.set("per_page", String(perPage));
			next.searchParams.set("page", String(target));
			return next.toString();
		};
		const links = [
			...(current < last ? [`<${link(current + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`] : []),
			...(current > 1 ? [`<${link(current - 1)}>; rel="prev"`, `<${link(1)}>; rel="first"`] : []),
		];
		return {
			items: items.slice((current - 1) * perPage, current * perPage),
			headers: links.length ? { link: links.join(", ") } : {},
		};
	}

	async function refExists(gitDir: string, ref: string): Promise<string | null> {
		try {
			const { stdout } = await run("git", [
				"--git-dir",
				gitDir,
				"rev-parse",
				"--verify",
				"--quiet",
				`refs/heads/${ref}`,
			]);
			return stdout.trim() || null;
		} catch {
			return null;
		}
	}

	function installationIdFor(login: string): string {
		for (const [id, existing] of installations) if (existing === login) return id;
		const id = String(1000 + installations.size);
		installations.set(id, login);
		return id;
	}

	/** The App's installation page, as a user who approves (or requests) the installation right away. */
	function installPageRoute(request: IncomingMessage, response: ServerResponse, path: URL): boolean {
		if (request.method !== "GET" || path.pathname !== `/apps/${appSlug}/installations/new`) return false;
		if (!installPage) {
			response.writeHead(404, { "content-type": "text/plain" });
			response.end("The fake GitHub's installation page has no Setup URL: call app.onInstall first.\n");
			return true;
		}
		ensureUser(installPage.account);
		const installer = installPage.installer ?? installPage.account;
		ensureUser(installer);
		const back = new URL(installPage.setupUrl);
		const action = installPage.setupAction ?? "install";
		if (action === "install") {
			let installationId = installPage.installationId;
			if (installationId === undefined) {
				installationId = installationIdFor(installPage.account);
				const known = installers.get(installationId) ?? new Set<string>();
				known.add(installer);
				installers.set(installationId, known);
			}
			back.searchParams.set("installation_id", installationId);
		}
		back.searchParams.set("setup_action", action);
		if (installPage.authorize !== false) {
			const code = randomBytes(10).toString("hex");
			oauthCodes.set(code, { login: installer, clientId: appOAuth.clientId });
			back.searchParams.set("code", code);
		}
		const state = path.searchParams.get("state");
		if (state !== null) back.searchParams.set("state", state);
		response.writeHead(302, { location: back.toString() });
		response.end();
		return true;
	}

	async function oauthRoutes(
		request: IncomingMessage,
		response: ServerResponse,
		path: URL,
	): Promise<boolean> {
		if (request.method === "GET" && path.pathname === "/login/oauth/authorize") {
			if (path.searchParams.get("client_id") !== oauth.clientId) {
				send(response, 404, { message: "Not Found" });
				return true;
			}
			const code = randomBytes(10).toString("hex");
			oauthCodes.set(code, { login: signInLogin, clientId: oauth.clientId });
			const back = new URL(path.searchParams.get("redirect_uri") ?? "");
			back.searchParams.set("code", code);
			back.searchParams.set("state", path.searchParams.get("state") ?? "");
			response.writeHead(302, { location: back.toString() });
			response.end();
			return true;
		}
		if (request.method === "POST" && path.pathname === "/login/oauth/access_token") {
			const body = await readBody(request);
			const basic = request.headers.authorization?.startsWith("Basic ")
				? Buffer.from(request.headers.authorization.slice(6), "base64").toString().split(":")
				: [];
			const clientId = body.client_id ?? basic[0];
			const clientSecret = body.client_secret ?? basic[1];
			const grant = body.code ? oauthCodes.get(body.code) : undefined;
			const client = [oauth, appOAuth].find((candidate) => candidate.clientId === clientId);
			if (!client || clientSecret !== client.clientSecret) {
				send(response, 200, {
					error: "incorrect_client_credentials",
					error_description: "The client_id and/or client_secret passed are incorrect.",
				});
				return true;
			}
			if (!grant || !body.code || grant.clientId !== client.clientId) {
				// GitHub answers 200 with an error body here.
				send(response, 200, { error: "bad_verification_code", error_description: "The code is incorrect." });
				return true;
			}
			oauthCodes.delete(body.code);
			const token = `${client === appOAuth ? "ghu" : "gho"}_${randomBytes(18).toString("hex")}`;
			userTokens.set(token, grant.login);
			send(response, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
			return true;
		}
		return false;
	}

	/** Git smart HTTP through `git http-backend`, after GitHub's access checks. */
	async function gitRoute(request: IncomingMessage, response: ServerResponse, path: URL): Promise<boolean> {
		const match = path.pathname.match(/^\/git\/([\w.-]+)\/([\w.-]+?)\.git(\/.*)$/);
		if (!match) return false;
		const fullName = `${match[1]}/${match[2]}`;
		const repository = repositories.get(fullName);
		const write = path.searchParams.get("service") === "git-receive-pack" || match[3] === "/git-receive-pack";
		const basic = (request.headers.authorization ?? "").match(/^Basic\s+(.+)$/i);
		const password = basic
			? Buffer.from(basic[1] ?? "", "base64")
					.toString()
					.split(":")
					.slice(1)
					.join(":")
			: "";
		const who = password ? principalOf(password) : null;
		const challenge = { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" };
		if (password && !who) {
			response.writeHead(401, challenge);
			response.end("Invalid username or token.\n");
			return true;
		}
		const allowed =
			repository?.gitDir &&
			(who ? (write ? canWrite(who, fullName) : canRead(who, fullName)) : !write && !repository.private);
		if (!allowed) {
			if (!who) {
				response.writeHead(401, challenge);
				response.end("Authentication required.\n");
			} else {
				response.writeHead(404, { "content-type": "text/plain" });
				response.end("Repository not found.\n");
			}
			return true;
		}
		const env: Record<string, string> = {
			PATH: process.env.PATH ?? "/usr/bin:/bin",
			HOME: gitRoot,
			GIT_CONFIG_NOSYSTEM: "1",
			GIT_PROJECT_ROOT: gitRoot,
			GIT_HTTP_EXPORT_ALL: "1",
			PATH_INFO: `/${fullName}.git${match[3]}`,
			REQUEST_METHOD: request.method ?? "GET",
			QUERY_STRING: path.search.replace(/^\?/, ""),
			CONTENT_TYPE: request.headers["content-type"] ?? "",
			REMOTE_ADDR: "127.0.0.1",
			...(who ? { REMOTE_USER: who } : {}),
			...(request.headers["content-length"] ? { CONTENT_LENGTH: request.headers["content-length"] } : {}),
			...(request.headers["content-encoding"]
				? { HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"]) }
				: {}),
			...(request.headers["git-protocol"]
				? { HTTP_GIT_PROTOCOL: String(request.headers["git-protocol"]) }
				: {}),
		};
		const child: ChildProcessWithoutNullStreams = spawn("git", ["http-backend"], {
			stdio: "pipe",
			// Only what http-backend needs (not the test process's environment).
			env: env as NodeJS.ProcessEnv,
		});
		child.stdin.on("error", () => {});
		request.pipe(child.stdin);
		const chunks: Buffer[] = [];
		child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
		child.stderr.resume();
		await new Promise<void>((resolve) => {
			child.once("close", () => resolve());
		});
		const output = Buffer.concat(chunks);
		const split = output.indexOf("\r\n\r\n");
		const headerText = split >= 0 ? output.subarray(0, split).toString() : "";
		const headers: Record<string, string> = {};
		let status = 200;
		for (const line of headerText.split("\r\n")) {
			const [name, ...rest] = line.split(":");
			if (!name || rest.length === 0) continue;
			const value = rest.join(":").trim();
			if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]) || 200;
			else headers[name] = value;
		}
		response.writeHead(status, headers);
		response.end(split >= 0 ? output.subarray(split + 4) : output);
		return true;
	}

	async function restRoutes(request: IncomingMessage, response: ServerResponse, path: URL): Promise<void> {
		const token = (request.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "");
		const who = principalOf(token);
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
			const user = ensureUser(who);
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
				.map(([id, account]) => ({ id: Number(id), account: { login: account }, app_id: Number(appId) }));
			const { items, headers } = page(accessible, path);
			return send(response, 200, { total_count: accessible.length, installations: items }, headers);
		}
		if (route === "GET /user/emails" && isUser) return send(response, 200, ensureUser(who).emails);
		if (route === "GET /user/repos" && isUser) {
			const visible = [...repositories.keys()]
				.filter((name) => canWrite(who, name))
				.sort()
				.map(repoJson);
			const { items, headers } = page(visible, path);
			return send(response, 200, items, headers);
		}
		if (route === "GET /installation/repositories" && who.startsWith("installation:")) {
			const login = who.slice("installation:".length);
			const owned = [...repositories.keys()]
				.filter((name) => name.startsWith(`${login}/`))
				.sort()
				.map(repoJson);
			const { items, headers } = page(owned, path);
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
				installationTokens.set(issued, { login, expires });
				minted.push(id);
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
			if (!canRead(who, fullName)) return send(response, 404, { message: "Not Found" });
			if (!pullsPath && request.method === "GET") return send(response, 200, repoJson(fullName));
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
				if (!canWrite(who, fullName))
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

	const server = createServer(async (request, response) => {
		const path = new URL(request.url ?? "/", "http://x");
		requests.push({
			method: request.method ?? "GET",
			path: path.pathname,
			auth: request.headers.authorization ?? "",
		});
		try {
			if (failures.count > 0 && (failures.path === undefined || failures.path === path.pathname)) {
				failures.count--;
				return send(response, failures.status, { message: "Server Error" });
			}
			if (installPageRoute(request, response, path)) return;
			if (await oauthRoutes(request, response, path)) return;
			if (await gitRoute(request, response, path)) return;
			await restRoutes(request, response, path);
		} catch (error) {
			if (!response.headersSent) send(response, 500, { message: String(error) });
			else response.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	return {
		url,
		oauth,
		signInAs(user) {
			users.set(user.login, user);
			signInLogin = user.login;
		},
		addUserToken(login) {
			ensureUser(login);
			const token = `ghp_${randomBytes(18).toString("hex")}`;
			userTokens.set(token, login);
			return token;
		},
		revokeToken(token) {
			userTokens.delete(token);
			installationTokens.delete(token);
		},
		app: {
			appId,
			privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
			clientId: appOAuth.clientId,
			clientSecret: appOAuth.clientSecret,
			slug: appSlug,
			installationId: installationIdFor,
			onInstall(options) {
				installPage = options;
			},
		},
		addRepository(fullName, options = {}) {
			if (!fullNamePattern.test(fullName)) throw new Error(`${fullName} is not owner/name`);
			let gitDir: string | null = null;
			let defaultBranch = options.defaultBranch ?? "main";
			if (options.source) {
				gitDir = join(gitRoot, `${fullName}.git`);
				mkdirSync(join(gitRoot, fullName.split("/")[0] ?? ""), { recursive: true });
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
			repositories.set(fullName, {
				defaultBranch,
				private: options.private ?? false,
				collaborators: options.collaborators ?? [],
				gitDir,
			});
		},
		gitDir(fullName) {
			const gitDir = repositories.get(fullName)?.gitDir;
			if (!gitDir) throw new Error(`${fullName} has no git history in the fake`);
			return gitDir;
		},
		failNext(count, status, path) {
			failures = { count, status, ...(path === undefined ? {} : { path }) };
		},
		pulls,
		requests,
		installationTokensMinted: (installationId) =>
			minted.filter((id) => installationId === undefined || id === installationId).length,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => {
					rmSync(gitRoot, { recursive: true, force: true });
					resolve();
				});
			}),
	};
}
