import { createVerify, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server speaking the slice of GitHub's REST API the platform uses (users, app
 * installations and their tokens, repositories, pull requests), with real token and app-JWT checks.
 */
export interface FakeGithub {
	url: string;
	/** Personal tokens it accepts, by login. */
	addUserToken(login: string): string;
	/** A GitHub App whose JWTs it verifies, with one installation per account login. */
	app: { appId: string; privateKey: string; installationId: (login: string) => string };
	addRepository(fullName: string, options?: { defaultBranch?: string; private?: boolean }): void;
	/** Makes the next `count` requests answer `status` (e.g. 502) before behaving again. */
	failNext(count: number, status: number): void;
	pulls: {
		number: number;
		repo: string;
		head: string;
		base: string;
		title: string;
		body: string;
		htmlUrl: string;
	}[];
	requests: { method: string; path: string; auth: string }[];
	close(): Promise<void>;
}

export async function createFakeGithub(): Promise<FakeGithub> {
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const appId = "424242";
	const userTokens = new Map<string, string>();
	const installationTokens = new Map<string, { login: string; expires: number }>();
	const installations = new Map<string, string>();
	const repositories = new Map<string, { defaultBranch: string; private: boolean }>();
	const pulls: FakeGithub["pulls"] = [];
	const requests: FakeGithub["requests"] = [];
	let failures = { count: 0, status: 500 };
	let url = "";

	function send(response: ServerResponse, status: number, body: unknown) {
		response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
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

	/** The login a bearer/token credential acts as, `app` for a valid app JWT, or null. */
	function principal(request: IncomingMessage): string | null {
		const header = request.headers.authorization ?? "";
		const token = header.replace(/^(token|bearer)\s+/i, "");
		if (!token) return null;
		if (token.split(".").length === 3) return verifyAppJwt(token) ? "app" : null;
		const login = userTokens.get(token);
		if (login) return login;
		const installation = installationTokens.get(token);
		if (installation && installation.expires > Date.now()) return `installation:${installation.login}`;
		return null;
	}

	async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString();
		return text ? (JSON.parse(text) as Record<string, unknown>) : {};
	}

	const repoJson = (fullName: string) => {
		const info = repositories.get(fullName);
		return {
			full_name: fullName,
			name: fullName.split("/")[1],
			clone_url: `${url}/git/${fullName}.git`,
			default_branch: info?.defaultBranch ?? "main",
			private: info?.private ?? false,
		};
	};

	const server = createServer(async (request, response) => {
		const path = new URL(request.url ?? "/", "http://x");
		requests.push({
			method: request.method ?? "GET",
			path: path.pathname,
			auth: request.headers.authorization ?? "",
		});
		if (failures.count > 0) {
			failures.count--;
			return send(response, failures.status, { message: "Server Error" });
		}
		const who = principal(request);
		if (!who)
			return send(response, 401, {
				message: "Bad credentials",
				documentation_url: "https://docs.github.com/rest",
			});
		const route = `${request.method} ${path.pathname}`;
		const installationMatch = route.match(/^(GET|POST) \/app\/installations\/(\d+)(\/access_tokens)?$/);
		const pullsMatch = path.pathname.match(/^\/repos\/([\w.-]+)\/([\w.-]+)\/pulls$/);
		if (route === "GET /user" && !who.startsWith("installation:") && who !== "app") {
			return send(response, 200, { login: who, id: 1, type: "User" });
		}
		if (route === "GET /user/repos" && !who.startsWith("installation:") && who !== "app") {
			return send(
				response,
				200,
				[...repositories.keys()].filter((name) => name.startsWith(`${who}/`)).map(repoJson),
			);
		}
		if (installationMatch && !installationMatch[3] && installationMatch[1] === "GET" && who === "app") {
			const match = installationMatch.slice(1);
			const login = installations.get(match[1] ?? "");
			if (!login) return send(response, 404, { message: "Not Found" });
			return send(response, 200, { id: Number(match[1]), account: { login, type: "Organization" } });
		}
		if (installationMatch?.[3] && installationMatch[1] === "POST" && who === "app") {
			const match = installationMatch.slice(1);
			const login = installations.get(match[1] ?? "");
			if (!login) return send(response, 404, { message: "Not Found" });
			const token = `ghs_${randomBytes(18).toString("hex")}`;
			const expires = Date.now() + 3600_000;
			installationTokens.set(token, { login, expires });
			return send(response, 201, { token, expires_at: new Date(expires).toISOString(), permissions: {} });
		}
		if (route === "GET /installation/repositories" && who.startsWith("installation:")) {
			const login = who.slice("installation:".length);
			const list = [...repositories.keys()].filter((name) => name.startsWith(`${login}/`)).map(repoJson);
			return send(response, 200, { total_count: list.length, repositories: list });
		}
		if (pullsMatch) {
			const match = pullsMatch;
			const fullName = `${match[1]}/${match[2]}`;
			const owner = match[1] ?? "";
			const allowed = who === owner || who === `installation:${owner}`;
			if (!repositories.has(fullName) || !allowed) return send(response, 404, { message: "Not Found" });
			if (request.method === "GET") {
				const head = path.searchParams.get("head");
				return send(
					response,
					200,
					pulls
						.filter((pull) => pull.repo === fullName && (!head || `${owner}:${pull.head}` === head))
						.map((pull) => ({
							number: pull.number,
							html_url: pull.htmlUrl,
							state: "open",
							title: pull.title,
						})),
				);
			}
			if (request.method === "POST") {
				let body: Record<string, unknown>;
				try {
					body = await readBody(request);
				} catch {
					return send(response, 400, { message: "Problems parsing JSON" });
				}
				const { head, base, title } = body as { head?: string; base?: string; title?: string };
				if (!head || !base || !title) {
					return send(response, 422, {
						message: "Validation Failed",
						errors: [{ message: "head, base and title are required" }],
					});
				}
				if (head === base) {
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
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	return {
		url,
		addUserToken(login) {
			const token = `ghp_${randomBytes(18).toString("hex")}`;
			userTokens.set(token, login);
			return token;
		},
		app: {
			appId,
			privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
			installationId(login) {
				for (const [id, existing] of installations) if (existing === login) return id;
				const id = String(1000 + installations.size);
				installations.set(id, login);
				return id;
			},
		},
		addRepository(fullName, options = {}) {
			repositories.set(fullName, {
				defaultBranch: options.defaultBranch ?? "main",
				private: options.private ?? false,
			});
		},
		failNext(count, status) {
			failures = { count, status };
		},
		pulls,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
