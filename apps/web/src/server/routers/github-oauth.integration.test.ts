import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookiesFrom, createWebHarness, type WebHarness } from "../testing/harness";

describe("GitHub OAuth sign-in (against a local server speaking GitHub's protocol)", () => {
	let github: FakeGithub;
	let harness: WebHarness;

	beforeAll(async () => {
		github = await createFakeGithub();
		harness = await createWebHarness({
			env: {
				GITHUB_OAUTH_CLIENT_ID: github.oauth.clientId,
				GITHUB_OAUTH_CLIENT_SECRET: github.oauth.clientSecret,
				GITHUB_OAUTH_URL: github.url,
				GITHUB_API_URL: github.url,
			},
		});
	});
	afterAll(async () => {
		await harness?.close();
		await github?.close();
	});

	/** Runs the browser's part of the flow: start, GitHub's redirect, the callback. */
	async function signInWithGitHub(): Promise<Response> {
		const started = await harness.authRequest("/sign-in/social", {
			body: { provider: "github", callbackURL: "/onboarding" },
		});
		expect(started.status).toBe(200);
		const { url } = (await started.json()) as { url: string };
		expect(url.startsWith(`${github.url}/login/oauth/authorize`)).toBe(true);
		const stateCookie = cookiesFrom(started);
		const authorized = await fetch(url, { redirect: "manual" });
		expect(authorized.status).toBe(302);
		const callback = new URL(authorized.headers.get("location") ?? "");
		expect(callback.pathname).toBe("/api/auth/callback/github");
		return harness.authRequest(`/callback/github${callback.search}`, {
			headers: new Headers({ cookie: stateCookie }),
		});
	}

	it("signs up a GitHub user with their verified primary email and a personal organization", async () => {
		github.signInAs({
			id: 4242,
			login: "hopper",
			name: "Grace Hopper",
			emails: [
				{ email: "old@navy.mil", primary: false, verified: true },
				{ email: "Grace@Navy.mil", primary: true, verified: true },
			],
		});
		const finished = await signInWithGitHub();
		expect(finished.status).toBe(302);
		expect(finished.headers.get("location")).toContain("/onboarding");
		const headers = new Headers({ cookie: cookiesFrom(finished) });
		const me = await harness.clientFor(headers).account.me();
		expect(me.user).toMatchObject({ name: "Grace Hopper", email: "grace@navy.mil", emailVerified: true });
		expect(me.organization.isPersonal).toBe(true);

		// Signing in again finds the same user.
		const again = await signInWithGitHub();
		const second = await harness.clientFor(new Headers({ cookie: cookiesFrom(again) })).account.me();
		expect(second.user.id).toBe(me.user.id);
	});

	it("refuses a forged callback (wrong state, unknown code) without a session", async () => {
		const forged = await harness.authRequest("/callback/github?code=nope&state=forged");
		expect(forged.status).toBe(302);
		expect(forged.headers.get("location")).toContain("error");
		expect(cookiesFrom(forged)).not.toContain("session_token");

		const started = await harness.authRequest("/sign-in/social", {
			body: { provider: "github", callbackURL: "/onboarding" },
		});
		const { url } = (await started.json()) as { url: string };
		const state = new URL(url).searchParams.get("state");
		const tokenRequests = () =>
			github.requests.filter((request) => request.path === "/login/oauth/access_token").length;
		const before = tokenRequests();
		const badCode = await harness.authRequest(`/callback/github?code=not-issued&state=${state}`, {
			headers: new Headers({ cookie: cookiesFrom(started) }),
		});
		expect(tokenRequests()).toBe(before + 1);
		expect(badCode.headers.get("location")).toContain("error");
		expect(cookiesFrom(badCode)).not.toContain("session_token");
	});

	it("signs nobody in when the OAuth app's secret is wrong (GitHub refuses the code exchange)", async () => {
		const misconfigured = await createWebHarness({
			env: {
				GITHUB_OAUTH_CLIENT_ID: github.oauth.clientId,
				GITHUB_OAUTH_CLIENT_SECRET: "not-the-client-secret",
				GITHUB_OAUTH_URL: github.url,
				GITHUB_API_URL: github.url,
			},
		});
		try {
			const started = await misconfigured.authRequest("/sign-in/social", {
				body: { provider: "github", callbackURL: "/onboarding" },
			});
			const { url } = (await started.json()) as { url: string };
			const authorized = await fetch(url, { redirect: "manual" });
			const callback = new URL(authorized.headers.get("location") ?? "");
			const finished = await misconfigured.authRequest(`/callback/github${callback.search}`, {
				headers: new Headers({ cookie: cookiesFrom(started) }),
			});
			expect(finished.headers.get("location")).toContain("error");
			expect(cookiesFrom(finished)).not.toContain("session_token");
		} finally {
			await misconfigured.close();
		}
	});
});
