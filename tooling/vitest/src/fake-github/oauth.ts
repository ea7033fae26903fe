import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, send } from "./http";
import type { FakeGithubState } from "./state";

/** The App's installation page, as a user who approves (or requests) the installation right away. */
export function installPageRoute(
	state: FakeGithubState,
	request: IncomingMessage,
	response: ServerResponse,
	path: URL,
): boolean {
	if (request.method !== "GET" || path.pathname !== `/apps/${state.appSlug}/installations/new`) return false;
	const installPage = state.installPage;
	if (!installPage) {
		response.writeHead(404, { "content-type": "text/plain" });
		response.end("The fake GitHub's installation page has no Setup URL: call app.onInstall first.\n");
		return true;
	}
	state.ensureUser(installPage.account);
	const installer = installPage.installer ?? installPage.account;
	state.ensureUser(installer);
	const back = new URL(installPage.setupUrl);
	const action = installPage.setupAction ?? "install";
	if (action === "install") {
		let installationId = installPage.installationId;
		if (installationId === undefined) {
			installationId = state.installationIdFor(installPage.account);
			const known = state.installers.get(installationId) ?? new Set<string>();
			known.add(installer);
			state.installers.set(installationId, known);
		}
		back.searchParams.set("installation_id", installationId);
	}
	back.searchParams.set("setup_action", action);
	if (installPage.authorize !== false) {
		const code = randomBytes(10).toString("hex");
		state.oauthCodes.set(code, { login: installer, clientId: state.appOAuth.clientId });
		back.searchParams.set("code", code);
	}
	const stateParameter = path.searchParams.get("state");
	if (stateParameter !== null) back.searchParams.set("state", stateParameter);
	response.writeHead(302, { location: back.toString() });
	response.end();
	return true;
}

/** The OAuth web flow: authorize (redirect back with a code) and the code → token exchange. */
export async function oauthRoutes(
	state: FakeGithubState,
	request: IncomingMessage,
	response: ServerResponse,
	path: URL,
): Promise<boolean> {
	const { oauth, appOAuth } = state;
	if (request.method === "GET" && path.pathname === "/login/oauth/authorize") {
		if (path.searchParams.get("client_id") !== oauth.clientId) {
			send(response, 404, { message: "Not Found" });
			return true;
		}
		const code = randomBytes(10).toString("hex");
		state.oauthCodes.set(code, { login: state.signInLogin, clientId: oauth.clientId });
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
		const grant = body.code ? state.oauthCodes.get(body.code) : undefined;
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
		state.oauthCodes.delete(body.code);
		const token = `${client === appOAuth ? "ghu" : "gho"}_${randomBytes(18).toString("hex")}`;
		state.userTokens.set(token, grant.login);
		send(response, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
		return true;
	}
	return false;
}
