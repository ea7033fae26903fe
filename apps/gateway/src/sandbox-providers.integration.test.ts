import { createGatewayHttpClient, GatewayRequestError } from "@proliferate/gateway-clients";
import { signUserToken } from "@proliferate/shared/auth";
import { testSecret } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, serviceToken, type TestPlatform } from "./testing/platform";

/**
 * `GET /sandbox-providers` on a real gateway whose registry has the local provider and E2B (against
 * the E2B protocol fake): what the organization settings page lists, behind the gateway's tokens.
 */
let platform: TestPlatform;

beforeAll(async () => {
	platform = await createTestPlatform({ e2b: true });
}, 120_000);

afterAll(async () => {
	await platform?.close();
});

const expected = {
	defaultProvider: "local",
	providers: [
		{ type: "local", configured: true, requires: "the local provider's data directory" },
		{ type: "e2b", configured: true, requires: "E2B_API_KEY and E2B_TEMPLATE" },
		{
			type: "modal",
			configured: false,
			requires: "MODAL_TOKEN_ID, MODAL_TOKEN_SECRET and MODAL_IMAGE_ID (or MODAL_IMAGE)",
		},
	],
};

describe("GET /sandbox-providers", () => {
	it("answers the default and every provider's configuration to a user token (the web app's)", async () => {
		const http = await platform.http();
		expect(await http.listSandboxProviders()).toEqual(expected);
	});

	it("answers service tokens and user tokens of another organization or scoped to a session alike", async () => {
		const service = createGatewayHttpClient({
			baseUrl: platform.gateway.url,
			auth: { type: "token", token: await serviceToken({ service: "web" }, platform.secrets.serviceSecret) },
		});
		expect(await service.listSandboxProviders()).toEqual(expected);
		const outsider = createGatewayHttpClient({
			baseUrl: platform.gateway.url,
			auth: {
				type: "token",
				token: await signUserToken(
					{ userId: "someone", organizationId: platform.otherOrganizationId, sessionId: "s-1" },
					platform.secrets.userSecret,
				),
			},
		});
		expect(await outsider.listSandboxProviders()).toEqual(expected);
	});

	it("refuses requests without a valid token with 401", async () => {
		const url = `${platform.gateway.url}/sandbox-providers`;
		const anonymous = await fetch(url);
		expect(anonymous.status).toBe(401);
		expect(await anonymous.json()).toMatchObject({
			error: { code: "INVALID_TOKEN", kind: "unauthenticated" },
		});

		const forged = await signUserToken(
			{ userId: platform.userId, organizationId: platform.organizationId },
			testSecret("not-the-gateway's"),
		);
		const withForged = await fetch(url, { headers: { authorization: `Bearer ${forged}` } });
		expect(withForged.status).toBe(401);

		const expired = await signUserToken(
			{ userId: platform.userId, organizationId: platform.organizationId, ttlSeconds: -10 },
			platform.secrets.userSecret,
		);
		const client = createGatewayHttpClient({
			baseUrl: platform.gateway.url,
			auth: { type: "token", token: expired },
		});
		const error = await client.listSandboxProviders().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(GatewayRequestError);
		expect(error).toMatchObject({ status: 401, code: "TOKEN_EXPIRED" });
	});

	it("is read-only: other methods on the path are not routes", async () => {
		const response = await fetch(`${platform.gateway.url}/sandbox-providers`, {
			method: "POST",
			headers: { authorization: `Bearer ${await platform.userToken()}` },
		});
		expect(response.status).toBe(404);
		expect(await response.json()).toMatchObject({ error: { code: "ROUTE_NOT_FOUND" } });
	});
});
