import { Writable } from "node:stream";
import { createLogger } from "@proliferate/logger";
import { verifyGatewayToken } from "@proliferate/shared/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookiesFrom, createWebHarness, type WebHarness } from "../testing/harness";

describe("auth: sign-up, email verification, sign-in", () => {
	let harness: WebHarness;
	beforeAll(async () => {
		harness = await createWebHarness();
	});
	afterAll(async () => {
		await harness?.close();
	});

	it("signs up, emails a verification link, refuses sign-in until verified, then signs in", async () => {
		const user = await harness.signUp({ name: "Ada Lovelace", email: "Ada@Example.com" });
		expect(user.email).toBe("Ada@Example.com");

		const message = await harness.latestMail("ada@example.com");
		expect(message.subject).toContain("Verify");
		expect(message.actionUrl).toContain("/api/auth/verify-email?token=");

		const early = await harness.signIn("ada@example.com", user.password);
		expect(early.status).toBe(403);

		const verifiedHeaders = await harness.verifyEmail("ada@example.com");
		const viaLink = await harness.clientFor(verifiedHeaders).account.me();
		expect(viaLink.user.emailVerified).toBe(true);

		const headers = await harness.signedIn("ada@example.com", user.password);
		const me = await harness.clientFor(headers).account.me();
		expect(me.user).toMatchObject({ name: "Ada Lovelace", email: "ada@example.com", emailVerified: true });
		expect(me.organization.isPersonal).toBe(true);
		expect(me.role).toBe("owner");
		expect(me.impersonation).toBeNull();
	});

	it("rejects a wrong password and a tampered verification token", async () => {
		const user = await harness.createUser();
		const wrong = await harness.signIn(user.email, "not-the-password");
		expect(wrong.status).toBe(401);
		const tampered = await harness.authRequest("/verify-email?token=eyJhbGciOiJIUzI1NiJ9.e30.invalid");
		expect(tampered.status).toBeGreaterThanOrEqual(300);
		expect(cookiesFrom(tampered)).not.toContain("session_token");
	});

	it("rejects malformed sign-up bodies without creating anyone", async () => {
		const short = await harness.authRequest("/sign-up/email", {
			body: { name: "x", email: "short@example.com", password: "123" },
		});
		expect(short.status).toBe(400);
		const notEmail = await harness.authRequest("/sign-up/email", {
			body: { name: "x", email: "not-an-email", password: "long-enough-password" },
		});
		expect(notEmail.status).toBe(400);
		const retry = await harness.signUp({ email: "short@example.com" });
		expect(retry.email).toBe("short@example.com");
	});

	it("limits repeated failed sign-ins per email, even with the right password afterwards", async () => {
		const user = await harness.createUser();
		for (let attempt = 0; attempt < 5; attempt++) {
			const response = await harness.signIn(user.email, `wrong-password-${attempt}`);
			expect(response.status).toBe(401);
		}
		const blocked = await harness.signIn(user.email, user.password);
		expect(blocked.status).toBe(429);
		expect(await blocked.text()).toContain("Too many failed sign-in attempts");
		// Another address is not affected.
		const other = await harness.createUser();
		expect((await harness.signIn(other.email, other.password)).status).toBe(200);
	});

	it("resets a forgotten password through the emailed link and signs out other sessions", async () => {
		const user = await harness.createUser();
		const before = harness.clientFor(user.headers);
		const requested = await harness.authRequest("/request-password-reset", {
			body: { email: user.email, redirectTo: "/reset-password" },
		});
		expect(requested.status).toBe(200);
		const message = await harness.latestMail(user.email);
		expect(message.subject).toBe("Reset your Proliferate password");
		const link = new URL(message.actionUrl ?? "");
		const landing = await harness.authRequest(`${link.pathname.replace(/^\/api\/auth/, "")}${link.search}`);
		expect(landing.status).toBe(302);
		const token = new URL(landing.headers.get("location") ?? "", harness.env.WEB_URL).searchParams.get(
			"token",
		);
		expect(token).toBeTruthy();
		const reset = await harness.authRequest("/reset-password", {
			body: { newPassword: "brand-new-password-1", token },
		});
		expect(reset.status).toBe(200);
		await expect(before.account.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		expect((await harness.signIn(user.email, user.password)).status).toBe(401);
		expect((await harness.signIn(user.email, "brand-new-password-1")).status).toBe(200);
		const reused = await harness.authRequest("/reset-password", {
			body: { newPassword: "another-password-2", token },
		});
		expect(reused.status).toBe(400);
		// Unknown addresses get the same answer (no account enumeration).
		const unknown = await harness.authRequest("/request-password-reset", {
			body: { email: "nobody@example.com", redirectTo: "/reset-password" },
		});
		expect(unknown.status).toBe(200);
	});

	it("answers 401 for procedures that need a session, and for a forged cookie", async () => {
		await expect(harness.clientFor().account.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		const forged = new Headers({ cookie: "proliferate.session_token=forged.value" });
		await expect(harness.clientFor(forged).account.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
	});

	it("mints a short-lived gateway token scoped to the user and active organization", async () => {
		const user = await harness.createUser();
		const client = harness.clientFor(user.headers);
		const me = await client.account.me();
		const { token, gatewayUrl } = await client.account.gatewayToken({});
		expect(gatewayUrl).toBe(harness.env.GATEWAY_URL);
		const principal = await verifyGatewayToken(token, {
			userSecret: harness.env.GATEWAY_JWT_SECRET,
			serviceSecret: harness.env.SERVICE_TO_SERVICE_SECRET,
		});
		expect(principal).toEqual({
			kind: "user",
			userId: user.id,
			organizationId: me.organization.id,
			sessionId: null,
		});
		await expect(
			client.account.gatewayToken({ sessionId: "00000000-0000-4000-8000-000000000000" }),
		).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
	});
});

describe("auth: secrets stay out of logs", () => {
	it("never logs a password", async () => {
		const lines: string[] = [];
		const destination = new Writable({
			write(chunk, _encoding, done) {
				lines.push(String(chunk));
				done();
			},
		});
		const harness = await createWebHarness({
			logger: createLogger({ service: "web", level: "debug", destination }),
		});
		try {
			const password = "very-secret-password-123";
			const user = await harness.signUp({ password });
			await harness.signIn(user.email, "another-secret-password");
			await harness.verifyEmail(user.email);
			await harness.signIn(user.email, password);
			expect(lines.join("\n")).toContain("user signed up");
			expect(lines.join("\n")).not.toContain(password);
			expect(lines.join("\n")).not.toContain("another-secret-password");
		} finally {
			await harness.close();
		}
	});
});

describe("dev outbox", () => {
	it("lists sent mail only when DEV_OUTBOX_ENABLED is set and no SMTP is configured", async () => {
		const closed = await createWebHarness();
		const open = await createWebHarness({ env: { DEV_OUTBOX_ENABLED: "true" } });
		const smtp = await createWebHarness({
			env: { DEV_OUTBOX_ENABLED: "true", SMTP_URL: "smtp://127.0.0.1:1" },
		});
		try {
			await expect(closed.clientFor().dev.outbox({})).rejects.toMatchObject({ code: "NOT_FOUND" });
			await expect(smtp.clientFor().dev.outbox({})).rejects.toMatchObject({ code: "NOT_FOUND" });
			const user = await open.signUp({ email: "outbox@example.com" });
			const messages = await open.clientFor().dev.outbox({ to: user.email });
			expect(messages).toEqual([
				expect.objectContaining({ to: "outbox@example.com", subject: "Verify your email for Proliferate" }),
			]);
		} finally {
			await Promise.all([closed.close(), open.close(), smtp.close()]);
		}
	});
});
