import { repos } from "@proliferate/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebHarness, type WebHarness } from "../testing/harness";

describe("onboarding", () => {
	let harness: WebHarness;
	beforeAll(async () => {
		harness = await createWebHarness();
	});
	afterAll(async () => {
		await harness?.close();
	});

	it("walks create org → connect a repository → first session, stored per organization", async () => {
		const user = await harness.createUser();
		const client = harness.clientFor(user.headers);
		const first = await client.onboarding.get();
		expect(first.steps.map((step) => [step.id, step.done, step.href])).toEqual([
			["organization", true, "/onboarding"],
			["repository", false, "/repos"],
			["session", false, "/sessions/new"],
		]);
		expect(first.current).toBe("repository");
		expect(first.completed).toBe(false);

		const me = await client.account.me();
		await repos.createRepo(harness.web.services, {
			organizationId: me.organization.id,
			name: "app",
			url: "https://example.com/app.git",
			sourceKind: "git_url",
			defaultBranch: "main",
			createdBy: user.id,
		});
		const second = await client.onboarding.get();
		expect(second.current).toBe("session");

		// Another organization of the same user has its own state.
		await client.orgs.create({ name: "Second" });
		expect((await client.onboarding.get()).current).toBe("repository");
		await client.orgs.switch({ organizationId: me.organization.id });
		expect((await client.onboarding.get()).current).toBe("session");

		await client.onboarding.dismiss();
		expect((await client.onboarding.get()).dismissed).toBe(true);
	});
});
