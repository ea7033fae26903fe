import { createRouterClient, type RouterClient } from "@orpc/server";
import { parseEnvironment, webEnvSchema } from "@proliferate/environment";
import { createSilentLogger, type Logger } from "@proliferate/logger";
import { createDb, mail } from "@proliferate/services";
import { createTestDatabase, type TestDatabase, testSecret } from "@proliferate/vitest-setup";
import { createWebContext } from "../context";
import { appRouter } from "../routers/index";

export interface TestUser {
	id: string;
	name: string;
	email: string;
	password: string;
	/** Request headers carrying the user's session cookie. */
	headers: Headers;
}

export type TestClient = RouterClient<typeof appRouter>;

/** Cookie header value from a response's Set-Cookie headers (name=value pairs only). */
export function cookiesFrom(response: Response): string {
	return response.headers
		.getSetCookie()
		.map((cookie) => cookie.split(";")[0] ?? "")
		.filter((pair) => pair && !pair.endsWith("="))
		.join("; ");
}

/**
 * A web server context over a fresh migrated database, with helpers that go through better-auth's
 * real HTTP handler (sign-up, the emailed verification link, sign-in) and an oRPC server-side client.
 */
export async function createWebHarness(
	options: { superAdminEmails?: string[]; env?: Record<string, string>; logger?: Logger } = {},
) {
	const database: TestDatabase = await createTestDatabase();
	const handle = createDb(database.url, { max: 4 });
	const env = parseEnvironment(webEnvSchema, {
		NODE_ENV: "test",
		LOG_LEVEL: "silent",
		DATABASE_URL: database.url,
		WEB_URL: "http://localhost:3000",
		AUTH_SECRET: testSecret("auth"),
		GATEWAY_JWT_SECRET: testSecret("gateway"),
		SERVICE_TO_SERVICE_SECRET: testSecret("service"),
		SUPER_ADMIN_EMAILS: (options.superAdminEmails ?? []).join(","),
		...options.env,
	});
	const web = createWebContext(env, {
		database: handle,
		logger: options.logger ?? createSilentLogger(),
		ipRateLimit: false,
	});
	let counter = 0;

	async function authRequest(
		path: string,
		init: { method?: string; body?: unknown; headers?: Headers } = {},
	) {
		const headers = new Headers(init.headers);
		headers.set("origin", env.WEB_URL);
		if (init.body !== undefined) headers.set("content-type", "application/json");
		return web.auth.handler(
			new Request(new URL(`/api/auth${path}`, env.WEB_URL), {
				method: init.method ?? (init.body === undefined ? "GET" : "POST"),
				headers,
				...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
			}),
		);
	}

	/** The newest outbox email to `email`. */
	async function latestMail(email: string) {
		const [message] = await mail.listOutbox(web.services, { to: email, limit: 1 });
		if (!message) throw new Error(`no email was sent to ${email}`);
		return message;
	}

	async function signUp(params: { name?: string; email?: string; password?: string } = {}) {
		counter += 1;
		const name = params.name ?? `Test User ${counter}`;
		const email = params.email ?? `user${counter}-${Date.now().toString(36)}@example.com`;
		const password = params.password ?? "correct-horse-battery";
		const response = await authRequest("/sign-up/email", { body: { name, email, password } });
		if (!response.ok) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
		const body = (await response.json()) as { user: { id: string } };
		return { id: body.user.id, name, email, password };
	}

	/** Opens the emailed verification link; returns the session cookie it signs in with. */
	async function verifyEmail(email: string): Promise<Headers> {
		const message = await latestMail(email);
		if (!message.actionUrl) throw new Error("the verification email has no link");
		const url = new URL(message.actionUrl);
		const response = await authRequest(`${url.pathname.replace(/^\/api\/auth/, "")}${url.search}`);
		if (response.status >= 400)
			throw new Error(`verification failed: ${response.status} ${await response.text()}`);
		return new Headers({ cookie: cookiesFrom(response) });
	}

	async function signIn(email: string, password: string): Promise<Response> {
		return authRequest("/sign-in/email", { body: { email, password } });
	}

	async function signedIn(email: string, password: string): Promise<Headers> {
		const response = await signIn(email, password);
		if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
		return new Headers({ cookie: cookiesFrom(response) });
	}

	/** Signs up, verifies by the emailed link and signs in: a ready user. */
	async function createUser(params: { name?: string; email?: string } = {}): Promise<TestUser> {
		const user = await signUp(params);
		await verifyEmail(user.email);
		return { ...user, headers: await signedIn(user.email, user.password) };
	}

	function clientFor(headers: Headers = new Headers()): TestClient {
		return createRouterClient(appRouter, { context: { web, headers } });
	}

	return {
		web,
		env,
		authRequest,
		latestMail,
		signUp,
		verifyEmail,
		signIn,
		signedIn,
		createUser,
		clientFor,
		close: async () => {
			await web.close();
			await database.drop();
		},
	};
}

export type WebHarness = Awaited<ReturnType<typeof createWebHarness>>;
