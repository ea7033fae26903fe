import { createVerify, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeGithub, FakeGithubUser, InstallPageOptions } from "./types";

export interface RepositoryRecord {
	defaultBranch: string;
	private: boolean;
	collaborators: string[];
	gitDir: string | null;
}

export interface OAuthClient {
	clientId: string;
	clientSecret: string;
}

/** What the fake GitHub knows (accounts, tokens, installations, repositories) and its access rules. */
export class FakeGithubState {
	url = "";
	readonly appId = "424242";
	readonly appSlug = "proliferate-test-app";
	readonly privateKey: KeyObject;
	private readonly publicKey: KeyObject;
	installPage: InstallPageOptions | undefined;
	/** The GitHub App's own OAuth client. */
	readonly appOAuth: OAuthClient = {
		clientId: `Iv23.${randomBytes(8).toString("hex")}`,
		clientSecret: randomBytes(20).toString("hex"),
	};
	/** The sign-in OAuth app. */
	readonly oauth: OAuthClient;
	readonly gitRoot = mkdtempSync(join(tmpdir(), "fake-github-git-"));
	readonly users = new Map<string, FakeGithubUser>();
	/** Personal and OAuth tokens → login. */
	readonly userTokens = new Map<string, string>();
	readonly installationTokens = new Map<string, { login: string; expires: number }>();
	/** Installation id → account login. */
	readonly installations = new Map<string, string>();
	/** The installation of each token minted, in order. */
	readonly minted: string[] = [];
	/** Code → the login it authorizes and the OAuth client it was issued to. */
	readonly oauthCodes = new Map<string, { login: string; clientId: string }>();
	/** Installation id → users who installed it (besides its account, who can always access it). */
	readonly installers = new Map<string, Set<string>>();
	signInLogin = "octocat";
	readonly repositories = new Map<string, RepositoryRecord>();
	readonly pulls: FakeGithub["pulls"] = [];
	readonly requests: FakeGithub["requests"] = [];
	failures: { count: number; status: number; path?: string } = { count: 0, status: 500 };

	constructor(oauth: OAuthClient | undefined) {
		const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
		this.privateKey = privateKey;
		this.publicKey = publicKey;
		this.oauth = oauth ?? {
			clientId: `Iv1.${randomBytes(8).toString("hex")}`,
			clientSecret: randomBytes(20).toString("hex"),
		};
		this.ensureUser(this.signInLogin);
	}

	ensureUser(login: string): FakeGithubUser {
		let user = this.users.get(login);
		if (!user) {
			user = { id: 1000 + this.users.size, login, name: login, emails: [] };
			this.users.set(login, user);
		}
		return user;
	}

	installationIdFor(login: string): string {
		for (const [id, existing] of this.installations) if (existing === login) return id;
		const id = String(1000 + this.installations.size);
		this.installations.set(id, login);
		return id;
	}

	private verifyAppJwt(token: string): boolean {
		const [header, payload, signature] = token.split(".");
		if (!header || !payload || !signature) return false;
		const verifier = createVerify("RSA-SHA256");
		verifier.update(`${header}.${payload}`);
		if (!verifier.verify(this.publicKey, Buffer.from(signature, "base64url"))) return false;
		const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as {
			iss?: unknown;
			exp?: number;
		};
		return String(claims.iss) === this.appId && (claims.exp ?? 0) * 1000 > Date.now();
	}

	/** The login a token acts as, `installation:<login>` for an installation token, `app` for a valid app JWT, or null. */
	principalOf(token: string): string | null {
		if (!token) return null;
		if (token.split(".").length === 3) return this.verifyAppJwt(token) ? "app" : null;
		const login = this.userTokens.get(token);
		if (login) return login;
		const installation = this.installationTokens.get(token);
		if (installation && installation.expires > Date.now()) return `installation:${installation.login}`;
		return null;
	}

	canRead(who: string, fullName: string): boolean {
		const repository = this.repositories.get(fullName);
		if (!repository || who === "app") return false;
		return !repository.private || this.canWrite(who, fullName);
	}

	canWrite(who: string, fullName: string): boolean {
		const repository = this.repositories.get(fullName);
		const owner = fullName.split("/")[0] ?? "";
		if (!repository) return false;
		return who === owner || who === `installation:${owner}` || repository.collaborators.includes(who);
	}

	repoJson(fullName: string) {
		const info = this.repositories.get(fullName);
		const [owner = "", name = ""] = fullName.split("/");
		return {
			id: [...this.repositories.keys()].indexOf(fullName) + 1,
			name,
			full_name: fullName,
			owner: { login: owner },
			private: info?.private ?? false,
			visibility: info?.private ? "private" : "public",
			description: null,
			html_url: `${this.url}/${fullName}`,
			clone_url: `${this.url}/git/${fullName}.git`,
			default_branch: info?.defaultBranch ?? "main",
		};
	}
}
