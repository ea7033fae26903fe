import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createLogger } from "@proliferate/logger";
import { integrations } from "@proliferate/services";
import { createFakeGithub, type FakeGithub } from "@proliferate/vitest-setup/fake-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubAppSetupPath } from "../../lib/github-app-setup";
import { handleGithubAppSetup } from "../github-app-setup";
import { createWebHarness, type TestUser, type WebHarness } from "../testing/harness";
import { itChecksOrgScopedSecurity, type SecurityFixture } from "../testing/security";

/**
 * The hostile cases of integrations.md § Threat and fault model that the feature tests leave out:
 * the shared security cases for the GitHub App procedures and connecting, oversized tokens that never
 * reach GitHub, tokens kept out of the logs, and one installation return delivered twice at once.
 */
describe("integrations: hostile callers", () => {
	let harness: WebHarness;
	let github: FakeGithub;
	let owner: TestUser;
	let fixture: SecurityFixture;
	let organizationId: string;
	let ownerToken: string;
	const lines: string[] = [];
	const webUrl = "http://localhost:3000";

	beforeAll(async () => {
		github = await createFakeGithub();
		const destination = new Writable({
			write(chunk, _encoding, done) {
				lines.push(String(chunk));
				done();
			},
		});
		harness = await createWebHarness({
			logger: createLogger({ service: "web", level: "debug", destination }),
			env: {
				WEB_URL: webUrl,
				GITHUB_API_URL: github.url,
				GITHUB_OAUTH_URL: github.url,
				GITHUB_APP_ID: github.app.appId,
				GITHUB_APP_PRIVATE_KEY: github.app.privateKey,
				GITHUB_APP_SLUG: github.app.slug,
				GITHUB_APP_CLIENT_ID: github.app.clientId,
				GITHUB_APP_CLIENT_SECRET: github.app.clientSecret,
				SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
			},
		});
		owner = await harness.createUser({ email: "owner@octo-threats.dev" });
		const outsider = await harness.createUser({ email: "outsider@elsewhere.dev" });
		const ownerClient = harness.clientFor(owner.headers);
		organizationId = (await ownerClient.orgs.create({ name: "Octo" })).id;
		ownerToken = github.addUserToken("octo-owner");
		const connection = await ownerClient.integrations.connectGithubToken({ token: ownerToken });
		await harness.clientFor(outsider.headers).orgs.create({ name: "Elsewhere" });
		fixture = { owner, outsider, ids: { organizationId, connectionId: connection.id } };
	});
	afterAll(async () => {
		await harness?.close();
		await github?.close();
	});

	describe("procedures the integrations tests leave out", () => {
		itChecksOrgScopedSecurity(
			() => harness,
			() => fixture,
			[
				{ name: "integrations.githubApp", call: (client) => client.integrations.githubApp() },
				{
					name: "integrations.startGithubAppInstall",
					call: (client) => client.integrations.startGithubAppInstall(),
				},
				{
					name: "integrations.connectGithubToken",
					call: (client) => client.integrations.connectGithubToken({ token: github.addUserToken("otto") }),
				},
			],
		);

		it("left the owner's connection untouched", async () => {
			const connections = await integrations.listConnections(harness.web.services, { organizationId });
			expect(connections.map((connection) => [connection.id, connection.accountLogin])).toEqual([
				[fixture.ids.connectionId, "octo-owner"],
			]);
		});
	});

	it("refuses oversized and malformed input with 400 before asking GitHub", async () => {
		const client = harness.clientFor(owner.headers);
		const seen = github.requests.length;
		const calls: [string, () => Promise<unknown>][] = [
			["huge token", () => client.integrations.connectGithubToken({ token: "g".repeat(100_000) })],
			["short token", () => client.integrations.connectGithubToken({ token: "short" })],
			["blank token", () => client.integrations.connectGithubToken({ token: " ".repeat(20) })],
			[
				"token of the wrong type",
				() => client.integrations.connectGithubToken({ token: 42 as unknown as string }),
			],
			["huge connection id", () => client.integrations.remove({ connectionId: "c".repeat(100_000) })],
		];
		for (const [label, call] of calls)
			await expect(call(), label).rejects.toMatchObject({ code: "BAD_REQUEST" });
		expect(github.requests.length).toBe(seen);
		expect(await integrations.listConnections(harness.web.services, { organizationId })).toHaveLength(1);
	});

	it("keeps tokens, accepted or refused, out of answers and logs", async () => {
		const client = harness.clientFor(owner.headers);
		const refused = `ghp_${randomBytes(20).toString("hex")}`;
		await expect(client.integrations.connectGithubToken({ token: refused })).rejects.toMatchObject({
			data: { code: "GITHUB_AUTH_FAILED" },
		});
		const accepted = github.addUserToken("octo-second");
		const connection = await client.integrations.connectGithubToken({ token: accepted });
		const answers = JSON.stringify([connection, await client.integrations.list()]);
		const log = lines.join("\n");
		expect(log.length).toBeGreaterThan(0);
		for (const token of [refused, accepted, ownerToken]) {
			expect(answers).not.toContain(token);
			expect(log).not.toContain(token);
		}
		await client.integrations.remove({ connectionId: connection.id });
	});

	it("stores one installation when GitHub's return is delivered twice at once; the other is state_used", async () => {
		const { url } = await harness.clientFor(owner.headers).integrations.startGithubAppInstall();
		github.app.onInstall({ setupUrl: `${webUrl}${githubAppSetupPath}`, account: "octo-twin" });
		const location = (await fetch(url, { redirect: "manual" })).headers.get("location") ?? "";
		expect(new URL(location).searchParams.get("state")).toBeTruthy();
		const deliver = async () => {
			const response = await handleGithubAppSetup(
				harness.web,
				new Request(location, { headers: owner.headers }),
			);
			expect(response.status).toBe(303);
			return new URL(response.headers.get("location") ?? "").searchParams;
		};
		const outcomes = await Promise.all([deliver(), deliver()]);
		expect(outcomes.map((params) => params.get("connected") ?? params.get("github_error")).sort()).toEqual([
			"github",
			"state_used",
		]);
		const installations = (
			await integrations.listConnections(harness.web.services, { organizationId })
		).filter((connection) => connection.accountLogin === "octo-twin");
		expect(installations).toHaveLength(1);
	});
});
