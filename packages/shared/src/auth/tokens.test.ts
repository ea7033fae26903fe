import { describe, expect, it } from "vitest";
import {
	deriveSandboxToken,
	signServiceToken,
	signUserToken,
	verifyGatewayToken,
	verifySandboxToken,
} from "./tokens";

const secrets = { userSecret: "u".repeat(40), serviceSecret: "s".repeat(40) };

describe("gateway tokens", () => {
	it("round-trips user and service tokens", async () => {
		const user = await signUserToken(
			{ userId: "u1", organizationId: "o1", sessionId: "s1" },
			secrets.userSecret,
		);
		expect(await verifyGatewayToken(user, secrets)).toEqual({
			kind: "user",
			userId: "u1",
			organizationId: "o1",
			sessionId: "s1",
		});
		const service = await signServiceToken({ service: "web" }, secrets.serviceSecret);
		expect(await verifyGatewayToken(service, secrets)).toEqual({
			kind: "service",
			service: "web",
			organizationId: null,
		});
	});

	it("refuses expired, tampered, foreign and malformed tokens", async () => {
		const expired = await signUserToken(
			{ userId: "u1", organizationId: "o1", ttlSeconds: -10 },
			secrets.userSecret,
		);
		await expect(verifyGatewayToken(expired, secrets)).rejects.toMatchObject({ code: "TOKEN_EXPIRED" });
		const foreign = await signUserToken({ userId: "u1", organizationId: "o1" }, "x".repeat(40));
		await expect(verifyGatewayToken(foreign, secrets)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
		const valid = await signUserToken({ userId: "u1", organizationId: "o1" }, secrets.userSecret);
		const [header, , signature] = valid.split(".");
		const forged = `${header}.${Buffer.from(JSON.stringify({ sub: "admin", org: "o2", typ: "user" })).toString("base64url")}.${signature}`;
		await expect(verifyGatewayToken(forged, secrets)).rejects.toMatchObject({ kind: "unauthenticated" });
		await expect(verifyGatewayToken("nonsense", secrets)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
		// A user token signed with the service secret is not a service token.
		const confused = await signUserToken({ userId: "u1", organizationId: "o1" }, secrets.serviceSecret);
		await expect(verifyGatewayToken(confused, secrets)).rejects.toMatchObject({ kind: "unauthenticated" });
	});

	it("derives sandbox tokens per session", () => {
		const token = deriveSandboxToken("session-a", secrets.serviceSecret);
		expect(verifySandboxToken(token, "session-a", secrets.serviceSecret)).toBe(true);
		expect(verifySandboxToken(token, "session-b", secrets.serviceSecret)).toBe(false);
		expect(verifySandboxToken("short", "session-a", secrets.serviceSecret)).toBe(false);
	});
});
