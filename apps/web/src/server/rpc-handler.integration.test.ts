import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleRpcRequest } from "./rpc-handler";
import { createWebHarness, type TestUser, type WebHarness } from "./testing/harness";

describe("/api/rpc over HTTP", () => {
	let harness: WebHarness;
	let user: TestUser;
	beforeAll(async () => {
		harness = await createWebHarness();
		user = await harness.createUser();
	});
	afterAll(async () => {
		await harness?.close();
	});

	const call = (
		path: string,
		init: { method?: string; headers?: Record<string, string>; body?: string } = {},
	) =>
		handleRpcRequest(
			harness.web,
			new Request(`${harness.env.WEB_URL}/api/rpc${path}`, {
				method: init.method ?? "POST",
				headers: { "content-type": "application/json", ...init.headers },
				...(init.body === undefined ? {} : { body: init.body }),
			}),
		);
	const cookie = () => user.headers.get("cookie") ?? "";

	it("answers a same-origin call with the session cookie", async () => {
		const response = await call("/account/me", {
			headers: { cookie: cookie(), origin: harness.env.WEB_URL },
			body: JSON.stringify({}),
		});
		expect(response.status).toBe(200);
		expect(JSON.stringify(await response.json())).toContain(user.email);
	});

	it("answers 401 without a session", async () => {
		const response = await call("/account/me", { body: JSON.stringify({}) });
		expect(response.status).toBe(401);
	});

	it("refuses mutations over GET and cross-origin calls carrying cookies", async () => {
		const viaGet = await call(
			`/orgs/create?data=${encodeURIComponent(JSON.stringify({ json: { name: "Evil" } }))}`,
			{
				method: "GET",
				headers: { cookie: cookie() },
			},
		);
		expect(viaGet.status).toBe(405);
		const crossOrigin = await call("/orgs/create", {
			headers: { cookie: cookie(), origin: "https://evil.example" },
			body: JSON.stringify({ json: { name: "Evil" } }),
		});
		expect(crossOrigin.status).toBe(403);
		const memberships = await harness.clientFor(user.headers).orgs.list();
		expect(memberships.map((membership) => membership.organization.name)).not.toContain("Evil");
	});

	it("answers malformed and oversized input with 400, unknown procedures with 404", async () => {
		const malformed = await call("/orgs/create", {
			headers: { cookie: cookie(), origin: harness.env.WEB_URL },
			body: "{not json",
		});
		expect(malformed.status).toBe(400);
		const invalid = await call("/orgs/create", {
			headers: { cookie: cookie(), origin: harness.env.WEB_URL },
			body: JSON.stringify({ json: { name: "x".repeat(10_000) } }),
		});
		expect(invalid.status).toBe(400);
		const unknown = await call("/nothing/here", { body: JSON.stringify({}) });
		expect(unknown.status).toBe(404);
	});
});
