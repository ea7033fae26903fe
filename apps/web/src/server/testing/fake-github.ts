import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface FakeGitHubUser {
	id: number;
	login: string;
	name: string;
	emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface FakeGitHub {
	url: string;
	/** The user the next authorization signs in as. */
	user: FakeGitHubUser;
	tokenRequests: number;
	close: () => Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Record<string, string>> {
	let raw = "";
	for await (const chunk of request) raw += String(chunk);
	if ((request.headers["content-type"] ?? "").includes("application/json")) return JSON.parse(raw || "{}");
	return Object.fromEntries(new URLSearchParams(raw));
}

/**
 * A local HTTP server speaking the parts of GitHub's OAuth web flow and REST API that sign-in uses:
 * /login/oauth/authorize (redirects back with a code), /login/oauth/access_token (checks client
 * credentials and the code), /user and /user/emails (Bearer token).
 */
export async function startFakeGitHub(credentials: {
	clientId: string;
	clientSecret: string;
}): Promise<FakeGitHub> {
	const codes = new Map<string, FakeGitHubUser>();
	const tokens = new Map<string, FakeGitHubUser>();
	const state: Omit<FakeGitHub, "close" | "url"> = {
		user: { id: 1, login: "octocat", name: "The Octocat", emails: [] },
		tokenRequests: 0,
	};
	const server: Server = createServer(async (request, response) => {
		const url = new URL(request.url ?? "/", "http://127.0.0.1");
		const json = (status: number, body: unknown) => {
			response.writeHead(status, { "content-type": "application/json" });
			response.end(JSON.stringify(body));
		};
		if (request.method === "GET" && url.pathname === "/login/oauth/authorize") {
			if (url.searchParams.get("client_id") !== credentials.clientId)
				return json(400, { error: "bad client" });
			const code = randomBytes(8).toString("hex");
			codes.set(code, state.user);
			const back = new URL(url.searchParams.get("redirect_uri") ?? "");
			back.searchParams.set("code", code);
			back.searchParams.set("state", url.searchParams.get("state") ?? "");
			response.writeHead(302, { location: back.toString() });
			return response.end();
		}
		if (request.method === "POST" && url.pathname === "/login/oauth/access_token") {
			state.tokenRequests += 1;
			const body = await readBody(request);
			const basic = request.headers.authorization?.startsWith("Basic ")
				? Buffer.from(request.headers.authorization.slice(6), "base64").toString().split(":")
				: [];
			const clientId = body.client_id ?? basic[0];
			const clientSecret = body.client_secret ?? basic[1];
			const user = body.code ? codes.get(body.code) : undefined;
			if (
				clientId !== credentials.clientId ||
				clientSecret !== credentials.clientSecret ||
				!user ||
				!body.code
			)
				return json(200, { error: "bad_verification_code" });
			codes.delete(body.code);
			const token = `gho_${randomBytes(12).toString("hex")}`;
			tokens.set(token, user);
			return json(200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
		}
		const user = tokens.get((request.headers.authorization ?? "").replace(/^Bearer /, ""));
		if (!user) return json(401, { message: "Bad credentials" });
		if (url.pathname === "/user")
			return json(200, { id: user.id, login: user.login, name: user.name, email: null, avatar_url: null });
		if (url.pathname === "/user/emails") return json(200, user.emails);
		return json(404, { message: "Not Found" });
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	if (!address || typeof address === "string") throw new Error("fake GitHub did not bind");
	const fake = state as FakeGitHub;
	fake.url = `http://127.0.0.1:${address.port}`;
	fake.close = () => new Promise((resolve) => server.close(() => resolve()));
	return fake;
}
